package history

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// marshalValue writes exactly what json.Marshal writes, whether it takes
// its own path or falls back to encoding/json.
func TestMarshalValueMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, int64(-9), 42, "plain", "<&>\"\\\n", "héllo\u2028", "\xff",
		[]any(nil), []any{}, map[string]any(nil), map[string]any{},
		[]any{int64(1), "a", nil, true, []any{int64(2), int64(3)}},
		map[string]any{"b": int64(1), "a": []any{}, "10": nil, "9": "x", "<k>": int64(2), "é": false},
		[]any{[]any{"poll", map[string]any{"3": []any{[]any{int64(0), int64(7)}}, "1": []any{}}}},
		// fallbacks: types the fast path does not know, at any depth
		1.5, json.Number("12"), []any{int64(1), 2.5}, map[string]any{"a": map[string]int64{"x": 1}},
		map[int]string{2: "b", 1: "a"},
		// a JSONAppender, alone and inside the generic shapes
		intPairs{{1, 2}}, []any{intPairs{}, map[string]any{"p": intPairs{{3, -4}, {5, 6}}}},
	}
	for i, v := range values {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want, err := json.Marshal(v)
			require.NoError(t, err)
			got, err := marshalValue(v)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
	_, err := marshalValue([]any{make(chan int)})
	assert.Error(t, err, "an unencodable value is still an error")
}

// intPairs writes itself, as a workload's typed value does.
type intPairs [][2]int64

func (l intPairs) AppendJSON(b []byte) []byte {
	b = append(b, '[')
	for i, p := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "[%d,%d]", p[0], p[1])
	}
	return append(b, ']')
}

func (l intPairs) MarshalJSON() ([]byte, error) { return l.AppendJSON(nil), nil }
