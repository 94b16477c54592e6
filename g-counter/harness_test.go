package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/run"
	"glomers/harness/workload/counter"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// These tests run real node processes through the harness (seq-kv is the
// harness's faithful imitation of Maelstrom's). The recovery time covers a
// flush interval plus the read staleness bound, as Maelstrom's 10 s do.

func gcounterConfig(t *testing.T, bin string, nodes int, rate float64) run.Config {
	cfg := harnesstest.Sized("g-counter", bin, nodes, 1, rate, 2*time.Second)
	cfg.RecoveryTime = 2500 * time.Millisecond
	return cfg
}

func TestNodeIsValid(t *testing.T) {
	harnesstest.SkipShort(t)
	bin := testbin.Build(t, "./g-counter")
	for _, tc := range []struct {
		name      string
		nodes     int
		rate      float64
		partition bool
	}{
		{"3 nodes", 3, 100, false},
		{"3 nodes under partitions", 3, 100, true},
		{"5 nodes at rate 200", 5, 200, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := gcounterConfig(t, bin, tc.nodes, tc.rate)
			if tc.partition {
				cfg = harnesstest.WithPartitions(cfg)
			}
			out, v, res := harnesstest.MustRun[*counter.Result](t, cfg)
			assert.Equal(t, check.Valid, v, "%+v", res)
			assert.Len(t, res.FinalReads, tc.nodes)
			assert.Less(t, float64(out.Net.Servers.MsgCount)/float64(harnesstest.ClientOps(out, history.Invoke)), 0.7, "server msgs per op")
		})
	}
}

// TestLocalOnlyIsInvalid: a node that only counts its own adds.
func TestLocalOnlyIsInvalid(t *testing.T) {
	harnesstest.SkipShort(t)
	cfg := gcounterConfig(t, testbin.Build(t, "./g-counter/testdata/local-only"), 3, 100)
	_, v, res := harnesstest.MustRun[*counter.Result](t, cfg)
	assert.Equal(t, check.Invalid, v)
	assert.NotEmpty(t, res.Errors)
}

// TestStaleReadIsInvalid: a node that adds correctly (CAS on one key) but
// reads seq-kv without advancing its view first. Its final reads come out
// stale as soon as other nodes added after its last request; this is the
// test that shows the harness's seq-kv really serves stale reads. The run
// is repeated with new seeds until the staleness shows (it does at once
// with these settings).
func TestStaleReadIsInvalid(t *testing.T) {
	harnesstest.SkipShort(t)
	bin := testbin.Build(t, "./g-counter/testdata/stale-read")
	for attempt := uint64(1); attempt <= 5; attempt++ {
		cfg := gcounterConfig(t, bin, 5, 200)
		cfg.TimeLimit = time.Second
		cfg.RecoveryTime = 200 * time.Millisecond
		cfg.Seed = attempt
		_, v, res := harnesstest.MustRun[*counter.Result](t, cfg)
		if v == check.Invalid {
			assert.NotEmpty(t, res.Errors)
			t.Logf("stale final read after %d run(s): %v", attempt, res.FinalReads)
			return
		}
	}
	t.Fatal("seq-kv never served a stale read in 5 runs")
}
