package run

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
)

func TestRecorderKeepsOrderAcrossChunks(t *testing.T) {
	r := newRecorder(time.Now(), nil, true)
	assert.Nil(t, r.history())
	n := 2*chunkOps + 3
	for i := range n {
		op := r.add(history.Op{Type: history.Invoke, Process: i % 5, F: "echo", Value: int64(i)})
		require.Equal(t, i, op.Index)
	}
	h := r.history()
	require.Len(t, h, n)
	for i, op := range h {
		assert.Equal(t, i, op.Index)
		assert.Equal(t, int64(i), op.Value)
		if i > 0 {
			assert.LessOrEqual(t, h[i-1].Time, op.Time)
		}
	}
	assert.Equal(t, int64(0), r.ok.Load()+r.fail.Load()+r.info.Load(), "invocations are not completions")
}
