package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"glomers/harness/check"
	"glomers/harness/run"
	"glomers/harness/workload/counter"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// These tests run real node processes through the harness; the recovery
// time covers a few replication ticks after the partitions heal.

func pnConfig(workload, bin string, nodes int) run.Config {
	cfg := harnesstest.Sized(workload, bin, nodes, 1, 100, 2*time.Second)
	cfg.RecoveryTime = 1500 * time.Millisecond
	return cfg
}

func TestNodeIsValid(t *testing.T) {
	harnesstest.SkipShort(t)
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
			_, v, res := harnesstest.MustRun[*counter.Result](t, harnesstest.WithNemesis(pnConfig(tc.workload, bin, tc.nodes), tc.nemesis))
			assert.Equal(t, check.Valid, v, "%+v", res)
			assert.Len(t, res.FinalReads, tc.nodes)
		})
	}
}

// TestLocalOnlyIsInvalid: a node that never replicates reads only its own
// adds at the end. g-counter's local-only node is that node for pn-counter
// too: it adds whatever delta it gets, negative ones included.
func TestLocalOnlyIsInvalid(t *testing.T) {
	harnesstest.SkipShort(t)
	_, v, res := harnesstest.MustRun[*counter.Result](t, pnConfig("pn-counter", testbin.Build(t, "./g-counter/testdata/local-only"), 3))
	assert.Equal(t, check.Invalid, v)
	assert.NotEmpty(t, res.Errors)
}
