package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/run"
	"glomers/harness/workload/counter"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// These tests run real node processes through the harness; the recovery
// time covers a few replication ticks after the partitions heal.

func pnConfig(workload, bin string, nodes int) run.Config {
	cfg := harnesstest.Config(workload, bin)
	cfg = harnesstest.WithNodes(cfg, nodes, 1)
	cfg.Rate = 100
	cfg.TimeLimit = 2 * time.Second
	cfg.RecoveryTime = 1500 * time.Millisecond
	return cfg
}

func TestNodeIsValid(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the harness")
	}
	bin := testbin.Build(t, "./pn-counter")
	for _, tc := range []struct {
		workload string
		nodes    int
		nemesis  string
	}{
		{"pn-counter", 3, ""},
		{"pn-counter", 5, "partition"},
		{"g-counter", 3, "partition"},
		// Totals saved in $GLOMERS_DATA_DIR come back after a kill.
		{"pn-counter", 3, "kill"},
	} {
		t.Run(tc.workload+" "+tc.nemesis, func(t *testing.T) {
			cfg := pnConfig(tc.workload, bin, tc.nodes)
			switch tc.nemesis {
			case "partition":
				cfg = harnesstest.WithPartitions(cfg)
			case "kill":
				cfg.Nemesis = []string{"kill"}
				cfg.NemesisInterval = 400 * time.Millisecond
			}
			out, v, err := harnesstest.Run(t, cfg)
			require.NoError(t, err)
			res := harnesstest.Result[*counter.Result](t, out)
			assert.Equal(t, check.Valid, v, "%+v", res)
			assert.Len(t, res.FinalReads, tc.nodes)
		})
	}
}

// TestLocalOnlyIsInvalid: a node that never replicates reads only its own
// adds at the end.
func TestLocalOnlyIsInvalid(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the harness")
	}
	out, v, err := harnesstest.Run(t, pnConfig("pn-counter", testbin.Build(t, "./pn-counter/testdata/local-only"), 3))
	require.NoError(t, err)
	assert.Equal(t, check.Invalid, v)
	assert.NotEmpty(t, harnesstest.Result[*counter.Result](t, out).Errors)
}
