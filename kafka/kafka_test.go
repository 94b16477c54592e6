package main

// End-to-end tests: the node binary in both modes, run by the harness
// against the kafka workload and its Jepsen-style checker, at one node
// (challenge 5a) and several (5b), with and without partitions; and two
// deliberately broken nodes the checker must reject.

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/run"
	"glomers/harness/workload/kafka"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

func kafkaConfig(t *testing.T, bin string, nodes int, args ...string) run.Config {
	cfg := harnesstest.Config("kafka", bin)
	cfg.Args = args
	cfg = harnesstest.WithNodes(cfg, nodes, 2)
	cfg.Rate = 300
	cfg.TimeLimit = 2 * time.Second
	cfg.RecoveryTime = time.Second
	cfg.NemesisInterval = time.Second
	return cfg
}

func runKafka(t *testing.T, cfg run.Config) *run.Outcome {
	t.Helper()
	out, _, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	return out
}

func countOK(t *testing.T, out *run.Outcome, f string) (ok, total int) {
	h, err := out.Ops()
	require.NoError(t, err)
	for _, o := range h {
		if o.F == f && o.IsClient() && !o.IsInvoke() {
			total++
			if o.Type == "ok" {
				ok++
			}
		}
	}
	return ok, total
}

func TestKafkaNodeIsValid(t *testing.T) {
	bin := testbin.Build(t, "./kafka")
	for _, mode := range []string{"cas", "leader"} {
		for _, nodes := range []int{1, 3} {
			for _, nemesis := range []bool{false, true} {
				if nemesis && nodes == 1 {
					continue // a single node has nothing to partition
				}
				name := mode + "/" + map[int]string{1: "5a-1node", 3: "5b-3nodes"}[nodes]
				if nemesis {
					name += "/partition"
				}
				t.Run(name, func(t *testing.T) {
					cfg := kafkaConfig(t, bin, nodes, mode)
					if nemesis {
						cfg.Nemesis = []string{"partition"}
						cfg.TimeLimit = 3 * time.Second
					}
					out := runKafka(t, cfg)
					assert.Equal(t, check.Valid, harnesstest.Verdict(out), "workload: %+v", out.Workload)
					sends, total := countOK(t, out, "send")
					assert.Greater(t, sends, 100, "sends succeed (%d of %d)", sends, total)
					polls, _ := countOK(t, out, "poll")
					assert.Greater(t, polls, 100)
					if !nemesis {
						assert.Equal(t, total, sends, "no failed sends without faults")
					}
					if nodes == 1 && mode == "leader" {
						assert.EqualValues(t, 0, out.Net.Servers.MsgCount, "a lone leader talks to nobody")
					}
				})
			}
		}
	}
}

func TestLeaderModeUsesFewServerMessages(t *testing.T) {
	out := runKafka(t, kafkaConfig(t, testbin.Build(t, "./kafka"), 2, "leader"))
	require.Equal(t, check.Valid, harnesstest.Verdict(out))
	invokes := 0
	h, err := out.Ops()
	require.NoError(t, err)
	for _, o := range h {
		if o.IsClient() && o.IsInvoke() {
			invokes++
		}
	}
	stats := out.Net.WithMsgsPerOp(invokes)
	require.NotNil(t, stats.Servers.MsgsPerOp)
	assert.Less(t, *stats.Servers.MsgsPerOp, 1.5, "5c target")
}

func TestBrokenNodesAreInvalid(t *testing.T) {
	// The separate-logs node never lets the final phase finish, which then
	// runs its full 10 s: overlap that wait with the other tests.
	t.Parallel()
	for _, tc := range []struct {
		pkg  string
		want []string // at least one of these anomalies
	}{
		{"./kafka/internal/broken/separate", []string{"inconsistent-offsets"}},
		{"./kafka/internal/broken/blocks", []string{"poll-skip", "int-poll-skip", "lost-write"}},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			cfg := kafkaConfig(t, testbin.Build(t, tc.pkg), 2)
			out := runKafka(t, cfg)
			assert.Equal(t, check.Invalid, harnesstest.Verdict(out))
			r, ok := out.Workload.(kafka.Result)
			require.True(t, ok)
			found := false
			for _, a := range tc.want {
				found = found || slices.Contains(r.BadErrorTypes, a)
			}
			assert.True(t, found, "want one of %v in %v", tc.want, r.BadErrorTypes)
		})
	}
}
