package kafka

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
)

func TestIntPollMsgsReadsOrdinaryReplies(t *testing.T) {
	got, ok := intPollMsgs([]byte(`{"type":"poll_ok","msgs":{"k1":[[0, 5],[1,-6]], "k2":[]},"in_reply_to":3}`))
	require.True(t, ok)
	assert.ElementsMatch(t, []keyPairs{{"k1", [][2]int64{{0, 5}, {1, -6}}}, {"k2", nil}}, got)
	got, ok = intPollMsgs([]byte(` { "x" : {"y":[1.5,"\u00e9",null]} , "msgs" : { "k1" : [ [ 0 , -0 ] , [10,100000000000000000] ] } } `))
	require.True(t, ok)
	assert.Equal(t, []keyPairs{{"k1", [][2]int64{{0, 0}, {10, 100000000000000000}}}}, got)
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
		`{"msgs":{"k1":[[01,1]]}}`,
		`{"msgs":{"k1":[[0,-01]]}}`,
		`{"msgs":{"k1":[[0 , 00000000000000000001]]}}`,
		`{"msgs":{"k1":[[0,-]]}}`,
		`{"msgs":{"k1":[[0,1-2]]}}`,
		`{"msgs":{"k1":[[0,1]]},"type":[1,]}`,
		`{"msgs":{"k1":[[0,1]]}} x`,
		`{"msgs":{"k1":[[0,1]],}}`,
		`{"msgs":{"k1":[[0,1],]}}`,
		`{"ms\u0067s":{"k1":[[0,1]]}}`,
		`{"msgs":{"k\u0031":[[0,1]]}}`,
		`{"msgs":{"k1":[[0,1]]},}`,
	} {
		_, ok := intPollMsgs([]byte(body))
		assert.False(t, ok, body)
	}
}

// The fast path and encoding/json read the same pairs.
func FuzzIntPollMsgs(f *testing.F) {
	f.Add([]byte(`{"msgs":{"k1":[[0,5],[1,6]],"k2":[]}}`))
	f.Add([]byte(`{"msgs":{"a":[[ -1 , 0 ]]}}`))
	f.Add([]byte(`{"type":"poll_ok","msgs":{"a":[[0,1],[1,-2]],"b":[]},"in_reply_to":7}`))
	f.Add([]byte(`{"msgs":{"a":[[0,10],[1,-20]]},"x":{"y":[1.5,"z",null,true]}}`))
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

// pollReply is a poll_ok as a node writes it: keys keys of n pairs each.
func pollReply(keys, n int) []byte {
	b := []byte(`{"type":"poll_ok","msgs":{`)
	for k := range keys {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `"`+strconv.Itoa(k)+`":`...)
		l := pairList{}
		for i := range n {
			l = append(l, [2]int64{int64(1000 + i), int64(20000 + 7*i)})
		}
		b = l.AppendJSON(b)
	}
	return append(b, `},"in_reply_to":12345,"msg_id":678}`...)
}

// BenchmarkIntPollMsgs: the client's read of a main-phase poll reply (2
// keys of 3 pairs) and of a final-phase one (one key, 2,000 pairs).
func BenchmarkIntPollMsgs(b *testing.B) {
	for _, c := range []struct {
		name    string
		keys, n int
	}{{"main", 2, 3}, {"final", 1, 2000}} {
		raw := pollReply(c.keys, c.n)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, ok := intPollMsgs(raw); !ok {
					b.Fatal("not read")
				}
			}
		})
	}
}

// BenchmarkFastValuePoll: the checker's read of a stored poll value (2
// keys of 3 pairs), as each of its passes makes it.
func BenchmarkFastValuePoll(b *testing.B) {
	raw := []byte(`[["poll",{"7":[[1000,20000],[1001,20007],[1002,20014]],"9":[[31,5],[32,9],[33,12]]}]]`)
	in := &interner{keyIDs: map[string]int32{}, otherIDs: map[string]int64{}}
	b.ReportAllocs()
	for b.Loop() {
		p := pop{typ: history.OK, f: fPoll}
		if !fastValue(&p, raw, in) || len(p.reads) != 2 {
			b.Fatal("not read")
		}
	}
}
