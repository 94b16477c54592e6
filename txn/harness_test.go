package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"glomers/harness/check"
	"glomers/harness/run"
	"glomers/harness/workload/txnrw"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// These tests run real node processes through the harness with the
// challenge flags of 6a-6c, shortened: concurrency 2n, rate 1000, total
// availability, partitions every 300 ms where the challenge has them.

func txnConfig(bin string, nodes int, model string, partition bool) run.Config {
	cfg := harnesstest.Sized("txn-rw-register", bin, nodes, 2, 1000, 2*time.Second)
	cfg.Availability = "total"
	cfg.ConsistencyModels = []string{model}
	if partition {
		cfg = harnesstest.WithPartitions(cfg)
	}
	return cfg
}

func TestNodeIsValid(t *testing.T) {
	harnesstest.SkipShort(t)
	bin := testbin.Build(t, "./txn")
	for _, tc := range []struct {
		name      string
		nodes     int
		model     string
		partition bool
	}{
		{"6a one node read uncommitted", 1, "read-uncommitted", false},
		{"6b two nodes read uncommitted under partitions", 2, "read-uncommitted", true},
		{"6c two nodes read committed under partitions", 2, "read-committed", true},
		{"three nodes read committed under partitions", 3, "read-committed", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, v, res := harnesstest.MustRun[*txnrw.Result](t, txnConfig(bin, tc.nodes, tc.model, tc.partition))
			assert.Equal(t, check.Valid, v, "%+v", res)
			assert.Equal(t, check.Valid, res.Valid)
			if tc.partition {
				assert.Positive(t, out.Net.Dropped, "the partitions dropped messages")
			}
		})
	}
}

// TestBrokenNodesAreInvalid: the two broken nodes of the issue, judged
// under read committed.
func TestBrokenNodesAreInvalid(t *testing.T) {
	harnesstest.SkipShort(t)
	for _, tc := range []struct {
		pkg     string
		anomaly string
	}{
		{"./txn/testdata/aborts", "G1a"},
		{"./txn/testdata/exposes-first-write", "G1b"},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			cfg := txnConfig(testbin.Build(t, tc.pkg), 1, "read-committed", false)
			cfg.Availability = ""
			_, v, res := harnesstest.MustRun[*txnrw.Result](t, cfg)
			assert.Equal(t, check.Invalid, v)
			assert.Contains(t, res.AnomalyTypes, tc.anomaly)
		})
	}
}
