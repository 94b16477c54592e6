package run_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/run"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// killConfig runs one durable-counter node under the kill nemesis, killed
// and restarted several times in two seconds.
func killConfig(t *testing.T, args ...string) run.Config {
	cfg := harnesstest.Config("g-counter", testbin.Build(t, "./harness/run/testdata/durable-counter"))
	cfg = harnesstest.WithNodes(cfg, 1, 2)
	cfg.Args = args
	cfg.Nemesis = []string{"kill"}
	cfg.NemesisInterval = 200 * time.Millisecond
	return cfg
}

// nemesisOps returns the completions (the second record) of the nemesis
// operations named f.
func nemesisResults(h history.History, f string) []map[string]any {
	var out []map[string]any
	for _, o := range h {
		if m, ok := o.Value.(map[string]any); ok && !o.IsClient() && o.F == f {
			out = append(out, m)
		}
	}
	return out
}

func TestKillLosesMemoryOnlyState(t *testing.T) {
	out, v, err := harnesstest.Run(t, killConfig(t))
	require.NoError(t, err)
	assert.Equal(t, check.Invalid, v, "every kill forgets the acknowledged adds")
	require.Len(t, out.Nodes, 1)
	assert.False(t, out.Nodes[0].Exited, "a kill by the nemesis is no node failure")
	assert.Positive(t, out.Nodes[0].Restarts)
	assert.Contains(t, nemesisResults(out.History, "kill"), map[string]any{"n0": "killed"})
	assert.Contains(t, nemesisResults(out.History, "start"), map[string]any{"n0": "started"})
}

func TestKillKeepsSyncedState(t *testing.T) {
	out, v, err := harnesstest.Run(t, killConfig(t, "-fsync"))
	require.NoError(t, err)
	assert.Equal(t, check.Valid, v)
	assert.Positive(t, out.Nodes[0].Restarts)
	assert.FileExists(t, filepath.Join(out.StoreDir, "data", "n0", "deltas"))
}

func TestPauseQueuesMessages(t *testing.T) {
	cfg := harnesstest.Config("echo", testbin.Build(t, "./echo"))
	cfg.Nemesis = []string{"pause"}
	cfg.NemesisInterval = 200 * time.Millisecond
	out, v, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, check.Valid, v, "a pause delays messages; it loses none")
	paused := 0
	for _, r := range nemesisResults(out.History, "pause") {
		for _, res := range r {
			if res == "paused" {
				paused++
			}
		}
	}
	assert.Positive(t, paused)
	assert.Zero(t, out.Net.Dropped)
	for _, n := range out.Nodes {
		assert.True(t, n.OK(), "%+v", n)
	}
	_, err = os.Stat(filepath.Join(out.StoreDir, "data", "n1"))
	assert.NoError(t, err, "every node has a data directory")
}

// TestAllFaultsTogether: the three nemeses compose, each fault and its
// cure is recorded, and a stateless node (its state is in the lin-kv
// service) stays valid through all of them.
func TestAllFaultsTogether(t *testing.T) {
	cfg := harnesstest.Config("lin-kv", testbin.Build(t, "./lin-kv-client"))
	cfg.Nemesis = []string{"partition", "pause", "kill"}
	cfg.NemesisInterval = 150 * time.Millisecond
	out, v, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, check.Valid, v)
	seen := map[string]bool{}
	for _, o := range out.History {
		if !o.IsClient() {
			seen[o.F] = true
		}
	}
	for _, f := range []string{"start-partition", "stop-partition", "pause", "resume", "kill", "start"} {
		assert.True(t, seen[f], "no %s in the history", f)
	}
}

// TestRestartedNodeHearsInitFirst: a restarted node is sent nothing but
// init until it answers init_ok, although its peer gossips to it all the
// time; strict-init exits on any other message before init.
func TestRestartedNodeHearsInitFirst(t *testing.T) {
	cfg := harnesstest.Config("echo", testbin.Build(t, "./harness/run/testdata/strict-init"))
	cfg = harnesstest.WithNodes(cfg, 2, 1)
	cfg.Nemesis = []string{"kill"}
	cfg.NemesisInterval = 100 * time.Millisecond
	out, v, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, check.Valid, v)
	restarts := 0
	for _, n := range out.Nodes {
		assert.False(t, n.Exited, "%s: %s %v", n.Node, n.ExitStatus, n.StderrTail)
		restarts += n.Restarts
	}
	assert.Positive(t, restarts)
	// A start may be cut short when the nemesis stops while the node is
	// still answering init (a loaded machine, the last start of the main
	// phase); the node then stays booting until the heal sends init again,
	// so strict-init still hears nothing else first (it never exited).
	for _, r := range nemesisResults(out.History, "start") {
		for id, res := range r {
			if s, _ := res.(string); strings.Contains(s, "init failed: interrupted while waiting") {
				continue
			}
			assert.Contains(t, []string{"started", "running"}, res, id)
		}
	}
}

// TestScheduledNemesisRunsItsSteps: a hand-written schedule replaces the
// random one, step by step, recorded as the random steps are.
func TestScheduledNemesisRunsItsSteps(t *testing.T) {
	cfg := killConfig(t, "-fsync")
	cfg = harnesstest.WithNodes(cfg, 2, 2)
	cfg.Nemesis = []string{"partition", "kill"}
	cfg.NemesisSchedule = []run.NemesisStep{
		{At: 200 * time.Millisecond, F: "start-partition", Grudge: map[string][]string{"n0": {"n1"}, "n1": {"n0"}}},
		{At: 400 * time.Millisecond, F: "kill", Nodes: []string{"n1"}},
		{At: 600 * time.Millisecond, F: "stop-partition"},
		{At: 800 * time.Millisecond, F: "start"},
	}
	out, _, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	var steps []string
	var at []int64
	for _, o := range out.History {
		if !o.IsClient() {
			if _, done := o.Value.(map[string]any); done || o.F == "start-partition" || o.Value == "network-healed" {
				steps = append(steps, o.F)
				at = append(at, o.Time)
			}
		}
	}
	// Each step's request and result, then the final cures (heal, start).
	assert.Equal(t, []string{"start-partition", "start-partition", "kill", "stop-partition", "start", "stop-partition", "start"}, steps)
	assert.GreaterOrEqual(t, at[0], int64(200*time.Millisecond), "no step before its time")
	assert.Equal(t, []map[string]any{{"n1": "killed"}}, nemesisResults(out.History, "kill"), "only the scheduled kill")
	assert.Equal(t, 1, out.Nodes[1].Restarts)
	assert.Zero(t, out.Nodes[0].Restarts)
}

func TestScheduledNemesisNeedsItsFault(t *testing.T) {
	cfg := killConfig(t)
	cfg.NemesisSchedule = []run.NemesisStep{{F: "pause", Nodes: []string{"n0"}}}
	assert.ErrorContains(t, cfg.Validate(), "pause needs the pause nemesis")
	cfg.NemesisSchedule = []run.NemesisStep{{F: "kill", Nodes: []string{"n9"}}}
	assert.ErrorContains(t, cfg.Validate(), `unknown node "n9"`)
}
