package kafka

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"glomers/harness/history"
)

// A poll's typed pairs are written as encoding/json writes the generic
// form, so history.jsonl does not change.
func TestPairListWritesAsGenericPairs(t *testing.T) {
	for _, l := range []pairList{nil, {}, {{0, 1}}, {{3, -7}, {4, 1 << 40}}} {
		generic := []any{}
		for _, p := range l {
			generic = append(generic, []any{p[0], p[1]})
		}
		want, err := json.Marshal(map[string]any{"k": generic})
		require.NoError(t, err)
		got, err := json.Marshal(map[string]any{"k": l})
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))
		// the history writer takes AppendJSON's bytes as they are
		e, err := history.Encode(&history.Op{Value: map[string]any{"k": l}})
		require.NoError(t, err)
		eg, err := history.Encode(&history.Op{Value: map[string]any{"k": generic}})
		require.NoError(t, err)
		assert.Equal(t, eg, e)
	}
	assert.Equal(t, int64(9), highestOffset(pairList{{9, 1}, {2, 3}}))
	assert.Equal(t, int64(9), highestOffset([]any{[]any{int64(9), int64(1)}, []any{int64(2), "x"}}))
	assert.Equal(t, int64(-1), highestOffset(pairList{}))
}
