package echo

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
)

func parse(t *testing.T, s string) history.History {
	t.Helper()
	h, err := history.ReadJSONLines(strings.NewReader(s))
	require.NoError(t, err)
	return h
}

func TestEchoesThatComeBackAreValid(t *testing.T) {
	h := parse(t, `
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
	h := parse(t, `
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

func TestDecodeReply(t *testing.T) {
	v, err := decodeReply([]byte(`{"type":"echo_ok","echo":{"a":[1,2]},"msg_id":7,"in_reply_to":3}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"type": "echo_ok", "echo": map[string]any{"a": []any{int64(1), int64(2)}}, "msg_id": int64(7), "in_reply_to": int64(3)}, v)
	_, err = decodeReply([]byte(`{"type":"error","code":10}`))
	assert.Error(t, err)
	_, err = decodeReply([]byte(`not json`))
	assert.Error(t, err)
}
