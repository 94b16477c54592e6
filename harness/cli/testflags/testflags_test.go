package testflags

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/netsim"
)

func seed() uint64 { return 42 }

func parse(t *testing.T, args ...string) (cfgErr error, out string) {
	t.Helper()
	var buf bytes.Buffer
	_, err := Parse(args, &buf, seed)
	return err, buf.String()
}

func TestChallengeCommandLines(t *testing.T) {
	var buf bytes.Buffer
	cfg, err := Parse([]string{"-w", "kafka", "--bin", "bin/kafka", "--node-count", "2", "--concurrency", "2n",
		"--time-limit", "20", "--rate", "1000", "leader", "--latency", "100", "--latency-dist", "exponential"}, &buf, seed)
	require.NoError(t, err, buf.String())
	assert.Equal(t, "kafka", cfg.Workload)
	assert.Equal(t, []string{"n0", "n1"}, cfg.NodeIDs)
	assert.Equal(t, 4, cfg.Concurrency)
	assert.Equal(t, 20*time.Second, cfg.TimeLimit)
	assert.Equal(t, 1000.0, cfg.Rate)
	assert.Equal(t, []string{"leader"}, cfg.Args, "plain arguments go to the node binary, wherever they stand")
	assert.Equal(t, netsim.Latency{Mean: 100 * time.Millisecond, Dist: "exponential"}, cfg.Latency)
	assert.EqualValues(t, 42, cfg.Seed)

	cfg, err = Parse([]string{"-w", "txn-rw-register", "--bin", "x", "--node-count", "2", "--consistency-models",
		"read-committed , serializable,snapshot-isolation", "--availability", "total", "--nemesis", "partition",
		"--nemesis-interval", "2.5", "--seed", "7", "--", "--not-a-flag"}, &buf, seed)
	require.NoError(t, err)
	assert.Equal(t, []string{"read-committed", "serializable", "snapshot-isolation"}, cfg.ConsistencyModels)
	assert.Equal(t, "total", cfg.Availability)
	assert.Equal(t, []string{"partition"}, cfg.Nemesis)
	assert.Equal(t, 2500*time.Millisecond, cfg.NemesisInterval)
	assert.EqualValues(t, 7, cfg.Seed)
	assert.Equal(t, []string{"--not-a-flag"}, cfg.Args)
	assert.Equal(t, 2, cfg.Concurrency, "default concurrency is 1n")
}

func TestMaelstromDefaults(t *testing.T) {
	var buf bytes.Buffer
	cfg, err := Parse([]string{"--bin", "x", "--log-stderr"}, &buf, seed)
	require.NoError(t, err)
	assert.Equal(t, "lin-kv", cfg.Workload)
	assert.Equal(t, []string{"n1", "n2", "n3", "n4", "n5"}, cfg.NodeIDs, "without --node-count, Jepsen's default nodes")
	assert.Equal(t, 5, cfg.Concurrency)
	assert.Equal(t, 5.0, cfg.Rate)
	assert.Equal(t, 60*time.Second, cfg.TimeLimit)
	assert.Equal(t, 10*time.Second, cfg.NemesisInterval)
	assert.Equal(t, "grid", cfg.Topology)
	assert.Equal(t, 4, cfg.MaxTxnLength)
	assert.Equal(t, 16, cfg.MaxWritesPerKey)
	assert.True(t, cfg.LogStderr)
}

func TestBadCommandLinesAreUsageErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"missing bin":        {"-w", "echo"},
		"unknown flag":       {"--bin", "x", "--bogus", "1"},
		"missing value":      {"--bin", "x", "--rate"},
		"bad concurrency":    {"--bin", "x", "--concurrency", "two"},
		"zero node count":    {"--bin", "x", "--node-count", "0"},
		"negative rate":      {"--bin", "x", "--rate", "-1"},
		"bad availability":   {"--bin", "x", "--availability", "1.5"},
		"bad nemesis":        {"--bin", "x", "--nemesis", "clock"},
		"bad latency dist":   {"--bin", "x", "--latency-dist", "normal"},
		"negative latency":   {"--bin", "x", "--latency", "-5"},
		"bad time limit":     {"--bin", "x", "--time-limit", "soon"},
		"bad seed":           {"--bin", "x", "--seed", "-3"},
		"en-dash is no flag": {"--bin", "x", "–-nemesis", "partition", "--bogus"},
	} {
		t.Run(name, func(t *testing.T) {
			err, out := parse(t, args...)
			var ue *UsageError
			require.ErrorAs(t, err, &ue)
			assert.Contains(t, out, "--bin", "usage is printed")
		})
	}
}

func TestEnDashArgumentReachesTheNodeLikeMaelstrom(t *testing.T) {
	var buf bytes.Buffer
	cfg, err := Parse([]string{"--bin", "x", "–-nemesis", "partition"}, &buf, seed)
	require.NoError(t, err)
	assert.Empty(t, cfg.Nemesis, "an en-dash option is not an option")
	assert.Equal(t, []string{"–-nemesis", "partition"}, cfg.Args)
}

func TestHelp(t *testing.T) {
	err, out := parse(t, "--help")
	assert.ErrorIs(t, err, ErrHelp)
	assert.Contains(t, out, "-node-count")
}
