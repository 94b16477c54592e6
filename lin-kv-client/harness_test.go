package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/run"
	"glomers/harness/workload/linkv"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// These tests run real node processes through the harness against its
// lin-kv service, and check every key's history with porcupine.

func linkvConfig(bin string, nodes int) run.Config {
	return harnesstest.Sized("lin-kv", bin, nodes, 2, 100, 2*time.Second)
}

func TestProxyIsLinearizable(t *testing.T) {
	harnesstest.SkipShort(t)
	bin := testbin.Build(t, "./lin-kv-client")
	for _, tc := range []struct {
		name      string
		nodes     int
		partition bool
	}{
		{"3 nodes", 3, false},
		{"3 nodes under partitions", 3, true},
		{"5 nodes under partitions", 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := linkvConfig(bin, tc.nodes)
			if tc.partition {
				cfg = harnesstest.WithPartitions(cfg)
			}
			_, v, res := harnesstest.MustRun[*linkv.Result](t, cfg)
			assert.Equal(t, check.Valid, v)
			assert.Empty(t, res.Failures)
			assert.Empty(t, res.Unknown)
			assert.GreaterOrEqual(t, len(res.Results), 2, "several keys")
		})
	}
}

// TestCachedReadsAreNotLinearizable: a proxy that serves reads of keys it
// wrote from a local cache returns values other nodes have overwritten.
func TestCachedReadsAreNotLinearizable(t *testing.T) {
	harnesstest.SkipShort(t)
	cfg := linkvConfig(testbin.Build(t, "./lin-kv-client/testdata/cached-reads"), 3)
	_, v, res := harnesstest.MustRun[*linkv.Result](t, cfg)
	assert.Equal(t, check.Invalid, v)
	require.NotEmpty(t, res.Failures)

	dir := t.TempDir()
	paths, err := res.WriteVisualizations(dir)
	require.NoError(t, err)
	assert.Len(t, paths, len(res.Failures))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Contains(t, string(b), "<html")
		assert.Equal(t, dir, filepath.Dir(p))
	}
	for name, kr := range res.Results {
		if kr.Valid == check.Invalid {
			assert.NotEmpty(t, kr.Linearizable.Window, "key %s", name)
			assert.NotNil(t, kr.Linearizable.Op, "key %s", name)
		}
	}
}
