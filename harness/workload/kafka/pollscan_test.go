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

// pairs reads what it always read token by token, pair by pair, the same
// way: its one-loop path for the harness's own pairs (plainPair) gives
// the same numbers, the same verdict and stops at the same byte.
func TestPairsReadsAsTokenByToken(t *testing.T) {
	tokens := func(s *scanner) ([][2]int64, bool) {
		var out [][2]int64
		if !s.eat('[') {
			return nil, false
		}
		if s.eat(']') {
			return out, true
		}
		for {
			var off, val int64
			if !s.eat('[') || !s.int(&off) || !s.eat(',') || !s.int(&val) || !s.eat(']') {
				return nil, false
			}
			out = append(out, [2]int64{off, val})
			if s.eat(']') {
				return out, true
			}
			if !s.eat(',') {
				return nil, false
			}
		}
	}
	for _, in := range []string{
		`[]`, `[[0,1]]`, `[[0,1],[1,2],[2,3]]`, `[[0,1] , [1,2]]`, `[ [0,1]]`, `[[ 0,1]]`, `[[0 ,1]]`,
		`[[0,-1]]`, `[[-5,1]]`, `[[00,01]]`, `[[0,123456789012345678]]`, `[[0,1234567890123456789]]`,
		`[[0,12345678901234567890]]`, `[[0,1.5]]`, `[[0,1e3]]`, `[[0,1-2]]`, `[[0,]]`, `[[,1]]`, `[[0,1]`,
		`[[0,1],]`, `[[0,1]]x`, `[[0,1,2]]`, `[[0]]`, `[[0,"x"]]`, `[[0,1]]]`, `[[9223372036854775807,1]]`,
	} {
		a, b := &scanner{b: []byte(in)}, &scanner{b: []byte(in)}
		var got [][2]int64
		ok := a.pairs(func(off, val int64) { got = append(got, [2]int64{off, val}) })
		want, wantOK := tokens(b)
		assert.Equal(t, wantOK, ok, in)
		if wantOK {
			assert.Equal(t, want, got, in)
			assert.Equal(t, b.i, a.i, in)
		}
	}
}
