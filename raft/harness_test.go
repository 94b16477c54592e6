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
// forget-vote is not here: no schedule the harness drew made it fail in a
// short run (see docs/results/raft.md); internal/raft/testdata/
// forget_vote.txt shows its two leaders in one term step by step.
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
