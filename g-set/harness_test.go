package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/run"
	"glomers/harness/workload/setfull"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// These tests run real node processes through the harness. The recovery
// time covers a few replication ticks after the partitions heal.

func gsetConfig(bin string, nodes int) run.Config {
	cfg := harnesstest.Config("g-set", bin)
	cfg = harnesstest.WithNodes(cfg, nodes, 1)
	cfg.Rate = 50
	cfg.TimeLimit = 2 * time.Second
	cfg.RecoveryTime = 1500 * time.Millisecond
	return cfg
}

func TestNodeIsValid(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the harness")
	}
	bin := testbin.Build(t, "./g-set")
	for _, tc := range []struct {
		name    string
		nodes   int
		nemesis string
	}{
		{"1 node", 1, ""},
		{"3 nodes", 3, ""},
		{"5 nodes under partitions", 5, "partition"},
		// Sets saved in $GLOMERS_DATA_DIR come back after a kill.
		{"3 nodes killed and restarted", 3, "kill"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := gsetConfig(bin, tc.nodes)
			switch tc.nemesis {
			case "partition":
				cfg = harnesstest.WithPartitions(cfg)
			case "kill":
				cfg.Nemesis = []string{"kill"}
				cfg.NemesisInterval = 400 * time.Millisecond
			}
			out, v, err := harnesstest.Run(t, cfg)
			require.NoError(t, err)
			res := harnesstest.Result[setfull.Result](t, out)
			assert.Equal(t, check.Valid, v, "%+v", res)
			assert.Positive(t, res.StableCount)
			assert.Zero(t, res.LostCount)
			if tc.nemesis != "kill" { // adds sent to a dead node time out unapplied
				assert.Zero(t, res.NeverReadCount, "the final reads see every element")
			}
		})
	}
}

// TestLocalOnlyIsInvalid: a node that never replicates loses the elements
// added on other nodes, for the reads of this one.
func TestLocalOnlyIsInvalid(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the harness")
	}
	out, v, err := harnesstest.Run(t, gsetConfig(testbin.Build(t, "./g-set/testdata/local-only"), 3))
	require.NoError(t, err)
	assert.Equal(t, check.Invalid, v)
	assert.Positive(t, harnesstest.Result[setfull.Result](t, out).LostCount)
}
