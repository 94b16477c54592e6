package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/run"
	"glomers/harness/workload/linkv"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// These tests run the node and its broken variants as real processes
// through the harness's lin-kv workload, and check every key with
// porcupine.

func raftConfig(bin string, nodes int, nemesis ...string) run.Config {
	cfg := harnesstest.Sized("lin-kv", bin, nodes, 2, 100, 4*time.Second)
	cfg.RecoveryTime = time.Second
	cfg.Nemesis = nemesis
	cfg.NemesisInterval = 500 * time.Millisecond
	return cfg
}

func TestRaftIsLinearizable(t *testing.T) {
	harnesstest.SkipShort(t)
	bin := testbin.Build(t, "./raft")
	for _, tc := range []struct {
		name    string
		nodes   int
		nemesis []string
	}{
		{"3 nodes", 3, nil},
		{"3 nodes under partition, pause and kill", 3, []string{"partition", "pause", "kill"}},
		{"5 nodes under partition, pause and kill", 5, []string{"partition", "pause", "kill"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, v, res := harnesstest.MustRun[*linkv.Result](t, raftConfig(bin, tc.nodes, tc.nemesis...))
			assert.Equal(t, check.Valid, v)
			assert.Empty(t, res.Failures)
			assert.GreaterOrEqual(t, len(res.Results), 2, "several keys")
			assert.Greater(t, harnesstest.ClientOps(out, history.OK), 20, "the cluster served requests")
			if len(tc.nemesis) > 0 {
				restarts := 0
				for _, n := range out.Nodes {
					restarts += n.Restarts
				}
				assert.Positive(t, restarts, "the kill nemesis restarted nodes")
			}
		})
	}
}

// TestBrokenVariantsAreCaught runs the deliberately broken variants under
// the fault that exposes their bug; the lin-kv checker must judge them
// invalid. A failure needs the fault to land on the leader: nodes draw
// their election timeouts from their ids (n0 wins the first election),
// and seeds 6 and 1 make the partition nemesis cut n0 off early and for
// long. The low rate keeps the readers on one key for seconds: a stale
// read of a key the cut-off leader never saw is error 20, a fail, which
// the checker rightly ignores. Measured in-process (docs/results/raft.md):
// early-ack invalid on seed 6 in 2 of 2 runs, local-reads on seeds 6 and
// 1 in 5 of 6; a variant passes at its first invalid run, trying the
// seeds in turn, so timing on a loaded machine rarely fails the test (the
// later seeds are there for a loaded CI machine, where one -race run
// missed on the first three).
//
// forget-vote has a test of its own: TestForgetVoteIsCaught.
func TestBrokenVariantsAreCaught(t *testing.T) {
	harnesstest.SkipShort(t)
	for _, tc := range []struct {
		variant string
		nemesis []string
	}{
		{"early-ack", []string{"partition"}},
		{"local-reads", []string{"partition", "pause"}},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			bin := testbin.Build(t, "./raft/testdata/"+tc.variant)
			var verdicts []check.Validity
			for _, seed := range []uint64{6, 1, 14, 2, 3, 4} {
				out, _, err := harnesstest.Run(t, brokenConfig(bin, seed, tc.nemesis...))
				require.NoError(t, err)
				rep := run.Report(out, nil)
				if rep.Nodes != nil {
					assert.Empty(t, rep.Nodes.Crashed, "seed %d", seed)
				}
				res := harnesstest.Result[*linkv.Result](t, out)
				verdicts = append(verdicts, res.Valid)
				if res.Valid == check.Invalid {
					assert.Equal(t, check.Invalid, rep.Valid)
					assert.NotEmpty(t, res.Failures, "keys judged not linearizable")
					return
				}
			}
			t.Errorf("the lin-kv checker judged %s %v on every seed, want invalid", tc.variant, verdicts)
		})
	}
}

// TestRaftIsLinearizableOnTheBrokenVariantsSchedule: the correct node on
// the schedules that catch the broken variants.
func TestRaftIsLinearizableOnTheBrokenVariantsSchedule(t *testing.T) {
	harnesstest.SkipShort(t)
	_, v, res := harnesstest.MustRun[*linkv.Result](t, brokenConfig(testbin.Build(t, "./raft"), 6, "partition", "pause"))
	assert.Equal(t, check.Valid, v)
	assert.Empty(t, res.Failures)
}

func brokenConfig(bin string, seed uint64, nemesis ...string) run.Config {
	cfg := raftConfig(bin, 3, nemesis...)
	cfg.Rate = 20 // see TestBrokenVariantsAreCaught
	cfg.TimeLimit = 5 * time.Second
	cfg.NemesisInterval = time.Second
	cfg.Seed = seed
	return cfg
}

// TestForgetVoteIsCaught runs forget-vote (term and vote not persisted)
// on a hand-written fault schedule that exposes it, and the correct node
// on the same schedule.
//
// Random schedules almost never catch it (about 110 short runs under
// every fault mix, all valid; docs/results/raft.md). A node that forgets
// only its vote can vote twice in a term only before the first winner's
// entry of that term reaches it, since the vote restriction then refuses
// every other candidate: a window of one round trip; and pre-vote makes it
// rare for a second candidate to reach that term at all. What the variant does
// expose, reliably, is its forgotten term: restarted in term 0, a node
// accepts appends from a deposed leader of an older term, although it
// acknowledged entries of a newer one, and that leader's log wins.
//
// The schedule (forgetVoteSchedule) is the one random seed 143024 drew
// at these settings, found by a search over seeds (docs/results/raft.md),
// written out so that it no longer depends on the order of the
// harness's seeded draws: n0, the first leader, cut off alone at 0.75 s
// (it stays leader: check quorum is off in the variants); n1 and n2 elect
// a leader in term 2, which acknowledges writes; n1 and n2 are killed at
// 2.7 s; the network heals at 3.1 s; they restart at 4.4 s in term 0,
// hear n0 (term 1) before their election timeout, follow it and let it
// overwrite their term-2 entries: n0 then serves values from before the
// partition after newer writes were acknowledged. The term-2 reign must
// last long enough (here about 2 s) for the clients stuck on requests
// sent to n0 to time out (1 s) and get writes acknowledged. The rate is
// low (10/s) so that one key lives through the whole story: at 20/s the
// workload has moved to a key n0 never saw, and reads of it fail with
// error 20, which the checker rightly ignores. The seed still feeds the
// clients' generators. The story is still a race with real time (the
// restarted nodes could time out before n0's heartbeat reaches them): the
// first run was invalid in 21 of 21 (15 alone on the machine, 6 beside
// two busy loops), and the variant passes at its first invalid run of
// three.
func TestForgetVoteIsCaught(t *testing.T) {
	harnesstest.SkipShort(t)
	t.Run("forget-vote", func(t *testing.T) {
		bin := testbin.Build(t, "./raft/testdata/forget-vote")
		var verdicts []check.Validity
		for i := range 3 {
			out, _, err := harnesstest.Run(t, forgetVoteConfig(bin))
			require.NoError(t, err)
			rep := run.Report(out, nil)
			if rep.Nodes != nil {
				assert.Empty(t, rep.Nodes.Crashed, "run %d", i+1)
			}
			res := harnesstest.Result[*linkv.Result](t, out)
			t.Logf("run %d: lin-kv valid? %v", i+1, res.Valid)
			verdicts = append(verdicts, res.Valid)
			if res.Valid == check.Invalid {
				assert.Equal(t, check.Invalid, rep.Valid)
				assert.NotEmpty(t, res.Failures, "keys judged not linearizable")
				return
			}
		}
		t.Errorf("the lin-kv checker judged forget-vote %v in three runs of its schedule, want invalid", verdicts)
	})
	// The correct node: linearizable on the same schedule, no node lost.
	// The overall verdict is not asserted: in a run this short and slow,
	// none of the ~20 cas may find its expected value, and Jepsen's stats
	// checker then calls the run invalid (an op type that never succeeded).
	t.Run("correct node", func(t *testing.T) {
		out, _, res := harnesstest.MustRun[*linkv.Result](t, forgetVoteConfig(testbin.Build(t, "./raft")))
		assert.Equal(t, check.Valid, res.Valid)
		assert.Empty(t, res.Failures)
		if rep := run.Report(out, nil); rep.Nodes != nil {
			assert.Empty(t, rep.Nodes.Crashed)
		}
		assert.Greater(t, harnesstest.ClientOps(out, history.OK), 10, "the cluster served requests")
	})
}

// forgetVoteSchedule: n0 cut off alone, the other two killed while it
// holds, the network healed, and the two restarted (see
// TestForgetVoteIsCaught).
var forgetVoteSchedule = []run.NemesisStep{
	{At: 750 * time.Millisecond, F: "start-partition", Grudge: map[string][]string{"n0": {"n1", "n2"}, "n1": {"n0"}, "n2": {"n0"}}},
	{At: 2700 * time.Millisecond, F: "kill", Nodes: []string{"n1", "n2"}},
	{At: 3100 * time.Millisecond, F: "stop-partition"},
	{At: 4400 * time.Millisecond, F: "start"},
}

// forgetVoteConfig is TestForgetVoteIsCaught's run: three nodes, one
// client thread each, rate 10, the schedule above.
func forgetVoteConfig(bin string) run.Config {
	cfg := harnesstest.WithNodes(raftConfig(bin, 3, "partition", "kill"), 3, 1)
	cfg.Rate = 10
	cfg.TimeLimit = 7 * time.Second
	cfg.NemesisInterval = 1500 * time.Millisecond
	cfg.NemesisSchedule = forgetVoteSchedule
	cfg.Seed = 143024
	return cfg
}
