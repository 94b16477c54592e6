package kafka

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIntPollMsgsReadsOrdinaryReplies(t *testing.T) {
	got, ok := intPollMsgs([]byte(`{"type":"poll_ok","msgs":{"k1":[[0, 5],[1,-6]], "k2":[]},"in_reply_to":3}`))
	require.True(t, ok)
	assert.ElementsMatch(t, []keyPairs{{"k1", [][2]int64{{0, 5}, {1, -6}}}, {"k2", nil}}, got)
}

func TestIntPollMsgsLeavesTheRestToEncodingJSON(t *testing.T) {
	for _, body := range []string{
		`{"msgs":{"k1":[[0,1.5]]}}`,
		`{"msgs":{"k1":[[0,1e2]]}}`,
		`{"msgs":{"k1":[[0,"x"]]}}`,
		`{"msgs":{"k1":[[0,1,2]]}}`,
		`{"msgs":{"k1":[[0]]}}`,
		`{"msgs":{"k1":[[0,1]],"k1":[[1,2]]}}`,
		`{"msgs":{"k1":[[0,1]]},"msgs":{}}`,
		`{"MSGS":{"k1":[[0,1]]}}`,
		`{"msgs":null}`,
		`{"msgs":{"k1":[[0,99999999999999999999]]}}`,
		`{"type":"poll_ok"}`,
		`{"msgs":{"k1":[[0,1]]}`,
	} {
		_, ok := intPollMsgs([]byte(body))
		assert.False(t, ok, body)
	}
}

// The fast path and encoding/json read the same pairs.
func FuzzIntPollMsgs(f *testing.F) {
	f.Add([]byte(`{"msgs":{"k1":[[0,5],[1,6]],"k2":[]}}`))
	f.Add([]byte(`{"msgs":{"a":[[ -1 , 0 ]]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := intPollMsgs(b)
		if !ok {
			return
		}
		var std struct {
			Msgs map[string][][2]int64 `json:"msgs"`
		}
		require.NoError(t, json.Unmarshal(b, &std), "%s", b)
		got := map[string][][2]int64{}
		for _, kp := range fast {
			got[kp.key] = kp.pairs
		}
		require.Len(t, got, len(std.Msgs))
		for k, ps := range std.Msgs {
			assert.Equal(t, len(ps), len(got[k]), "%s", b)
			for i := range ps {
				assert.Equal(t, ps[i], got[k][i], "%s", b)
			}
		}
	})
}
