package echo

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/internal/scenario"
)

func TestEchoesThatComeBackAreValid(t *testing.T) {
	h := scenario.Parse(t, `
{"type":"invoke","process":0,"f":"echo","value":"Please echo 3"}
{"type":"invoke","process":1,"f":"echo","value":"Please echo 9"}
{"type":"ok","process":1,"f":"echo","value":{"type":"echo_ok","echo":"Please echo 9","in_reply_to":1}}
{"type":"ok","process":0,"f":"echo","value":{"type":"echo_ok","echo":"Please echo 3","in_reply_to":1}}
{"type":"invoke","process":0,"f":"echo","value":"Please echo 4"}
{"type":"info","process":0,"f":"echo","value":"Please echo 4","error":"net-timeout"}
{"type":"invoke","process":1,"f":"echo","value":"Please echo 5"}
`)
	res := Check(h)
	assert.Equal(t, check.Valid, res.Valid, "crashed and unfinished echoes are not compared, as in Maelstrom")
	assert.Empty(t, res.Errors)
}

func TestWrongEchoIsInvalid(t *testing.T) {
	h := scenario.Parse(t, `
{"type":"invoke","process":0,"f":"echo","value":"Please echo 3"}
{"type":"ok","process":0,"f":"echo","value":{"type":"echo_ok","echo":"Please echo 33","in_reply_to":1}}
{"type":"invoke","process":0,"f":"echo","value":"Please echo 8"}
{"type":"fail","process":0,"f":"echo","value":"Please echo 8","error":["not-supported",""]}
`)
	res := Check(h)
	assert.Equal(t, check.Invalid, res.Valid)
	require.Len(t, res.Errors, 2, "a wrong echo, and a definite failure that echoed nothing")
	assert.Equal(t, "Please echo 3", res.Errors[0].Expected)
	assert.Equal(t, "Please echo 33", history.Get(res.Errors[0].Received, "echo"))
}

// Mismatches are reported in the order the echoes were invoked, whatever
// the order they came back in; a non-string payload is compared by value.
func TestMismatchesInInvocationOrder(t *testing.T) {
	h := scenario.Parse(t, `
{"type":"invoke","process":0,"f":"echo","value":"a"}
{"type":"invoke","process":1,"f":"echo","value":"b"}
{"type":"invoke","process":2,"f":"echo","value":[1,2]}
{"type":"ok","process":2,"f":"echo","value":{"type":"echo_ok","echo":[1,2]}}
{"type":"ok","process":1,"f":"echo","value":{"type":"echo_ok","echo":"B"}}
{"type":"ok","process":0,"f":"echo","value":{"type":"echo_ok","echo":"A"}}
{"type":"invoke","process":2,"f":"echo","value":[3]}
{"type":"ok","process":2,"f":"echo","value":{"type":"echo_ok","echo":[4]}}
`)
	res := Check(h)
	assert.Equal(t, check.Invalid, res.Valid)
	require.Len(t, res.Errors, 3)
	assert.Equal(t, []any{"a", "b", []any{int64(3)}}, []any{res.Errors[0].Expected, res.Errors[1].Expected, res.Errors[2].Expected})
}

func TestDecodeReply(t *testing.T) {
	v, err := decodeReply([]byte(`{"type":"echo_ok","echo":{"a":[1,2]},"msg_id":7,"in_reply_to":3}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"type": "echo_ok", "echo": map[string]any{"a": []any{int64(1), int64(2)}}, "msg_id": int64(7), "in_reply_to": int64(3)}, v)
	_, err = decodeReply([]byte(`{"type":"error","code":10}`))
	assert.Error(t, err)
	_, err = decodeReply([]byte(`not json`))
	assert.Error(t, err)
}

var replySeeds = []string{
	`{"type":"echo_ok","echo":"Please echo 3","msg_id":7,"in_reply_to":3}`,
	`{"type":"echo_ok","echo":{"a":[1,2.5,"x"]},"in_reply_to":3}`,
	` { "in_reply_to" : 3 , "type" : "echo_ok" , "echo" : "\u00e9\n" } `,
	`{"type":"echo_ok","in_reply_to":3}`,
	`{"type":"echo_ok","echo":null,"in_reply_to":3}`,
	`{"type":"echo_ok","echo":"a","echo":7,"in_reply_to":3}`,
	`{"type":"echo_ok","echo":"a","msg_id":null,"in_reply_to":3}`,
	`{"type":"echo_ok","echo":"a","in_reply_to":null}`,
	`{"type":"echo_ok","echo":"a","in_reply_to":1.5}`,
	`{"type":"echo_ok","Echo":"a","in_reply_to":3}`,
	`{"TYPE":"echo_ok","echo":"a"}`,
	`{"type":"echo_ok","type":"error","echo":"a"}`,
	"{\"type\":\"echo_ok\",\"echo\":\"\xff\"}",
	`{"type":"error","code":10}`,
	`{"type":5}`,
	`[]`,
	`not json`,
}

func TestDecodeReplyAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range replySeeds {
		checkDecodeReply(t, []byte(s))
	}
	_, ok := scanReply([]byte(replySeeds[0]))
	assert.True(t, ok, "the fast path reads an ordinary echo_ok")
}

// FuzzDecodeReply checks decodeReply (the jsonscan fast path with its
// fallback) against decodeReplyStd, the encoding/json reference.
//
//	go test ./harness/workload/echo -run '^$' -fuzz FuzzDecodeReply -fuzztime 60s
func FuzzDecodeReply(f *testing.F) {
	for _, s := range replySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkDecodeReply)
}

func checkDecodeReply(t *testing.T, b []byte) {
	v, err := decodeReply(b)
	want, werr := decodeReplyStd(b)
	if werr != nil {
		require.EqualError(t, err, werr.Error(), "%q", b)
		return
	}
	require.NoError(t, err, "%q", b)
	assert.Equal(t, want, v, "%q", b)
}

func BenchmarkDecodeReply(b *testing.B) {
	body := []byte(`{"type":"echo_ok","echo":"Please echo 85","msg_id":3,"in_reply_to":41}`)
	for name, decode := range map[string]func([]byte) (any, error){"jsonscan": decodeReply, "encoding-json": decodeReplyStd} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decode(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Request writes exactly what json.Marshal writes, or declines.
func TestRequestAppendsWhatJSONMarshalWrites(t *testing.T) {
	declined := 0
	for _, v := range []any{"Please echo 37", "<&>\"é\u2028\x01", "", nil, int64(3), 7, []any{"a", int64(1)}, map[string]any{"z": 1, "a": "b"}, 1.5, struct{ A int }{1}} {
		r := Request{Type: "echo", Echo: v}
		want, err := json.Marshal(r)
		require.NoError(t, err)
		got, ok := r.AppendJSONBody(nil)
		if !ok {
			declined++
			continue
		}
		require.Equal(t, string(want), string(got), "%#v", v)
	}
	require.Equal(t, 2, declined, "floats and structs go to encoding/json")
}
