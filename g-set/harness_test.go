package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"glomers/harness/check"
	"glomers/harness/run"
	"glomers/harness/workload/setfull"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// These tests run real node processes through the harness. The recovery
// time covers a few replication ticks after the partitions heal.

func gsetConfig(bin string, nodes int) run.Config {
	cfg := harnesstest.Sized("g-set", bin, nodes, 1, 50, 2*time.Second)
	cfg.RecoveryTime = 1500 * time.Millisecond
	return cfg
}

func TestNodeIsValid(t *testing.T) {
	harnesstest.SkipShort(t)
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
			_, v, res := harnesstest.MustRun[setfull.Result](t, harnesstest.WithNemesis(gsetConfig(bin, tc.nodes), tc.nemesis))
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
	harnesstest.SkipShort(t)
	_, v, res := harnesstest.MustRun[setfull.Result](t, gsetConfig(testbin.Build(t, "./g-set/testdata/local-only"), 3))
	assert.Equal(t, check.Invalid, v)
	assert.Positive(t, res.LostCount)
}
