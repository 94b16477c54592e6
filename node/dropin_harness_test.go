package node_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

// The demo/go-style programs under testdata differ from programs written
// for Maelstrom's demo/go only by their import line. They must build (the
// API matches) and be judged valid by the harness (the semantics match:
// a SyncRPC in the init handler, SyncRPC inside handlers, a read-CAS loop
// with ErrorCode checks).
func TestDemoGoStyleProgramsAreValid(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the harness")
	}
	for _, tc := range []struct{ workload, pkg string }{
		{"g-counter", "./node/testdata/demogo-gcounter"},
		{"broadcast", "./node/testdata/demogo-broadcast"},
	} {
		t.Run(tc.workload, func(t *testing.T) {
			cfg := harnesstest.Config(tc.workload, testbin.Build(t, tc.pkg))
			cfg.TimeLimit = 2 * time.Second
			cfg.RecoveryTime = time.Second
			out, v, err := harnesstest.Run(t, cfg)
			require.NoError(t, err)
			assert.Equal(t, check.Valid, v, "%+v", out.Workload)
		})
	}
}
