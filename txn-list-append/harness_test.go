package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/run"
	"glomers/harness/workload/listappend"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// These tests run real node processes through the harness, checked for
// strict serializability (the workload's default, as Maelstrom's).

func appendConfig(bin string, nodes int) run.Config {
	return harnesstest.Sized("txn-list-append", bin, nodes, 2, 100, 2*time.Second)
}

func TestNodeIsValid(t *testing.T) {
	harnesstest.SkipShort(t)
	bin := testbin.Build(t, "./txn-list-append")
	for _, tc := range []struct {
		name    string
		nodes   int
		nemesis string
	}{
		{"1 node", 1, ""},
		{"2 nodes under partitions", 2, "partition"},
		{"3 nodes under partitions", 3, "partition"},
		// The state lives in the services, so killed nodes lose only the
		// transactions in flight; restarted ones must not reuse thunk ids.
		{"2 nodes killed and restarted", 2, "kill"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, v, res := harnesstest.MustRun[*listappend.Result](t, harnesstest.WithNemesis(appendConfig(bin, tc.nodes), tc.nemesis))
			assert.Equal(t, check.Valid, v, "%+v", res)
			assert.Empty(t, res.AnomalyTypes)
			ok := harnesstest.ClientOps(out, history.OK)
			minOK := 100 // of about 200
			if tc.nemesis == "kill" {
				minOK = 20 // dead nodes answer nothing
			}
			assert.Greater(t, ok, minOK, "transactions commit")
		})
	}
}

// TestBrokenNodesAreInvalid: each deliberately broken node under
// testdata is judged invalid, with the anomaly its fault makes.
func TestBrokenNodesAreInvalid(t *testing.T) {
	harnesstest.SkipShort(t)
	for _, tc := range []struct {
		program string
		nodes   int
		anomaly string
	}{
		{"ignores-own-appends", 1, "internal"},
		{"duplicates-appends", 1, "duplicate-elements"},
		{"replicates-later", 2, "incompatible-order"},
	} {
		t.Run(tc.program, func(t *testing.T) {
			cfg := appendConfig(testbin.Build(t, "./txn-list-append/testdata/"+tc.program), tc.nodes)
			_, v, res := harnesstest.MustRun[*listappend.Result](t, cfg)
			assert.Equal(t, check.Invalid, v)
			assert.Contains(t, res.AnomalyTypes, tc.anomaly)
		})
	}
}
