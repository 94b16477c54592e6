package scenario

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
)

func TestOpsNotation(t *testing.T) {
	h := Ops(t, `
# a comment
inv 0 send [["send", "a", 1]]
ok 0 send [["send","a",[0,1]]] t=2.5
info 1 read t=3 final error=["crash","x"]
`)
	require.Len(t, h, 3)
	assert.Equal(t, history.Invoke, h[0].Type)
	assert.Equal(t, "send", h[0].F)
	assert.Equal(t, []any{[]any{"send", "a", int64(1)}}, h[0].Value, "values read as history files are")
	assert.Equal(t, int64(2_500_000), h[1].Time)
	assert.Equal(t, 1, h[2].Process)
	assert.Nil(t, h[2].Value)
	assert.True(t, h[2].Final)
	assert.Equal(t, []any{"crash", "x"}, h[2].Error)
	assert.Equal(t, 2, h[2].Index)

	untimed := Ops(t, "ok 0 add 1\nok 1 add 2")
	assert.Equal(t, []int64{1_000_000, 2_000_000}, []int64{untimed[0].Time, untimed[1].Time})
}

func TestTxnsNotation(t *testing.T) {
	op := func(fn, key, val string) ([]any, []any, error) {
		return []any{fn, key, val}, []any{fn, key, nil}, nil
	}
	h := Txns(t, "ok 3 wx1 ry2", op)
	require.Len(t, h, 2, "a completion without an invocation gets one")
	assert.Equal(t, history.Invoke, h[0].Type)
	assert.Equal(t, []any{[]any{"w", "x", nil}, []any{"r", "y", nil}}, h[0].Value)
	assert.Equal(t, []any{[]any{"w", "x", "1"}, []any{"r", "y", "2"}}, h[1].Value)
	assert.Equal(t, 3, h[1].Process)
}
