package broadcast_test

// Integration tests: the real node (./broadcast) and deliberately broken
// nodes, run as processes through the harness runner for a few seconds.
// The broken nodes live in this test binary: when BROADCAST_TEST_NODE is
// set, TestMain runs as that node instead of running tests, and the
// harness is pointed at the test binary itself.

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/netsim"
	"glomers/harness/run"
	"glomers/harness/workload/setfull"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
	"glomers/node"
)

const brokenNodeEnv = "BROADCAST_TEST_NODE"

func TestMain(m *testing.M) {
	switch mode := os.Getenv(brokenNodeEnv); mode {
	case "":
		os.Exit(m.Run())
	default:
		if err := brokenNode(mode); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// brokenNode answers the broadcast protocol but spreads messages badly:
// "never-gossip" keeps each message on the node that received it;
// "gossip-once" sends it to every other node once, fire and forget, so a
// partition loses it for good.
func brokenNode(mode string) error {
	n := node.NewNode()
	var mu sync.Mutex
	seen := map[string]bool{}
	var msgs []json.RawMessage
	add := func(m json.RawMessage) bool {
		mu.Lock()
		defer mu.Unlock()
		if seen[string(m)] {
			return false
		}
		seen[string(m)] = true
		msgs = append(msgs, m)
		return true
	}
	type body struct {
		Message json.RawMessage `json:"message"`
	}
	n.Handle("topology", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "topology_ok"})
	})
	n.Handle("broadcast", func(msg node.Message) error {
		var b body
		if err := json.Unmarshal(msg.Body, &b); err != nil {
			return err
		}
		if add(b.Message) && mode == "gossip-once" && strings.HasPrefix(msg.Src, "c") {
			for _, peer := range n.NodeIDs() {
				if peer != n.ID() {
					_ = n.Send(peer, map[string]any{"type": "broadcast", "message": b.Message})
				}
			}
		}
		if strings.HasPrefix(msg.Src, "c") {
			return n.Reply(msg, map[string]any{"type": "broadcast_ok"})
		}
		return nil
	})
	n.Handle("read", func(msg node.Message) error {
		mu.Lock()
		out := append([]json.RawMessage{}, msgs...)
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "read_ok", "messages": out})
	})
	return n.Run()
}

// runTest runs cfg through the harness and returns the outcome, the
// overall verdict and set-full's result.
func runTest(t *testing.T, cfg run.Config) (*run.Outcome, check.Validity, setfull.Result) {
	t.Helper()
	out, v, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	res, ok := out.Workload.(setfull.Result)
	require.True(t, ok, "workload result is %T", out.Workload)
	t.Logf("attempts %d stable %d lost %d never-read %d stale %d stable-latencies %v servers %d msgs",
		res.AttemptCount, res.StableCount, res.LostCount, res.NeverReadCount, res.StaleCount, res.StableLatencies, out.Net.Servers.MsgCount)
	return out, v, res
}

func config(bin string, nodes int) run.Config {
	cfg := harnesstest.Config("broadcast", bin)
	cfg = harnesstest.WithNodes(cfg, nodes, 1)
	cfg.Rate = 40
	cfg.TimeLimit = 2 * time.Second
	cfg.RecoveryTime = time.Second
	// Short retries, so the node recovers within the short recovery time.
	cfg.Args = []string{"retry=300ms"}
	return cfg
}

func realNode(t *testing.T) string {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	return testbin.Build(t, "./broadcast")
}

func brokenBin(t *testing.T, mode string) string {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	t.Setenv(brokenNodeEnv, mode)
	bin, err := os.Executable()
	require.NoError(t, err)
	return bin
}

func TestNode3aSingleNode(t *testing.T) {
	cfg := config(realNode(t), 1)
	_, v, res := runTest(t, cfg)
	assert.Equal(t, check.Valid, v)
	assert.Positive(t, res.AttemptCount)
	assert.Equal(t, res.AttemptCount, res.StableCount)
}

func TestNode3bFiveNodes(t *testing.T) {
	cfg := config(realNode(t), 5)
	_, v, res := runTest(t, cfg)
	assert.Equal(t, check.Valid, v)
	assert.Equal(t, res.AttemptCount, res.StableCount)
}

func TestNode3cPartitions(t *testing.T) {
	for _, profile := range []string{"3d", "3e"} {
		t.Run(profile, func(t *testing.T) {
			cfg := config(realNode(t), 5)
			cfg.TimeLimit = 3 * time.Second
			cfg.Nemesis = []string{"partition"}
			cfg.NemesisInterval = 400 * time.Millisecond
			cfg.Args = append(cfg.Args, "profile="+profile, "interval=50ms")
			out, v, res := runTest(t, cfg)
			assert.Equal(t, check.Valid, v)
			assert.Zero(t, res.LostCount)
			assert.Positive(t, out.Net.Dropped, "the partitions dropped messages")
		})
	}
}

func TestNode3e25NodesWithLatency(t *testing.T) {
	cfg := config(realNode(t), 25)
	cfg.Rate = 100
	cfg.Latency = netsim.Latency{Mean: 100 * time.Millisecond, Dist: netsim.DistConstant}
	cfg.Args = []string{"profile=3e"}
	_, v, res := runTest(t, cfg)
	assert.Equal(t, check.Valid, v)
	assert.Equal(t, res.AttemptCount, res.StableCount)
}

func TestNeverGossipingNodeIsInvalid(t *testing.T) {
	cfg := config(brokenBin(t, "never-gossip"), 5)
	cfg.Args = nil
	_, v, res := runTest(t, cfg)
	assert.Equal(t, check.Invalid, v)
	assert.Positive(t, res.LostCount)
}

func TestGossipOnceNode(t *testing.T) {
	t.Run("without partitions it passes", func(t *testing.T) {
		cfg := config(brokenBin(t, "gossip-once"), 5)
		cfg.Args = nil
		_, v, _ := runTest(t, cfg)
		assert.Equal(t, check.Valid, v)
	})
	t.Run("under partitions it loses messages", func(t *testing.T) {
		cfg := config(brokenBin(t, "gossip-once"), 5)
		cfg.Args = nil
		cfg.TimeLimit = 3 * time.Second
		cfg.Nemesis = []string{"partition"}
		cfg.NemesisInterval = 400 * time.Millisecond
		_, v, res := runTest(t, cfg)
		assert.Equal(t, check.Invalid, v)
		assert.Positive(t, res.LostCount)
	})
}
