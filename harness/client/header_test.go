package client

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/netsim"
	"glomers/harness/workload"
)

var headerSeeds = []string{
	`{"type":"echo_ok","in_reply_to":1,"msg_id":2,"echo":"x"}`,
	`{"type":"error","in_reply_to":7,"code":11,"text":"temporarily unavailable"}`,
	` { "type" : "error" , "in_reply_to" : 7 , "code" : 20 , "text" : "k\u00e9y" } `,
	`{"type":"error","in_reply_to":7}`,
	`{"Type":"error","in_reply_to":7,"code":1}`,
	`{"type":"x","IN_REPLY_TO":3}`,
	`{"type":null,"in_reply_to":1}`,
	`{"type":"error","type":null,"in_reply_to":1}`,
	`{"type":"x","in_reply_to":1,"in_reply_to":null}`,
	`{"type":"x","in_reply_to":1.0}`,
	`{"type":"x","in_reply_to":1e2}`,
	`{"type":"x","in_reply_to":"1"}`,
	`{"type":"x","in_reply_to":-9223372036854775808,"code":9223372036854775807}`,
	`{"type":"x","in_reply_to":9223372036854775808}`,
	`{"type":5,"in_reply_to":1}`,
	`{"type":"error","in_reply_to":1,"code":null,"text":null}`,
	"{\"type\":\"x\xff\",\"in_reply_to\":1}",
	`{"type":"x","in_reply_to":1`,
	`[1]`,
	`null`,
	``,
}

func TestParseReplyHeaderAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range headerSeeds {
		checkReplyHeader(t, []byte(s))
	}
	var h replyHeader
	require.True(t, scanReplyHeader([]byte(headerSeeds[1]), &h), "the fast path reads an ordinary error")
	assert.Equal(t, "error", h.Type)
	assert.Equal(t, int64(7), *h.InReplyTo)
	assert.Equal(t, 11, *h.Code)
	assert.Equal(t, "temporarily unavailable", h.Text)
	assert.False(t, scanReplyHeader([]byte(headerSeeds[4]), &replyHeader{}), "a case-folded key is left to encoding/json")
}

// FuzzParseReplyHeader checks the reply header scan (with its fallback)
// against encoding/json.
//
//	go test ./harness/client -run '^$' -fuzz FuzzParseReplyHeader -fuzztime 60s
func FuzzParseReplyHeader(f *testing.F) {
	for _, s := range headerSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkReplyHeader)
}

func checkReplyHeader(t *testing.T, body []byte) {
	h, err := parseReplyHeader(body)
	want, werr := parseReplyHeaderStd(body)
	if werr != nil {
		require.EqualError(t, err, werr.Error(), "%q", body)
		return
	}
	require.NoError(t, err, "%q", body)
	assert.Equal(t, want, h, "%q", body)
}

func BenchmarkParseReplyHeader(b *testing.B) {
	body := []byte(`{"type":"echo_ok","echo":"Please echo 85","msg_id":3,"in_reply_to":41}`)
	b.Run("jsonscan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseReplyHeader(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseReplyHeaderStd(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The reused timer must not carry an expiry from one request into the
// next: after a timeout, and after a wait longer than the timeout, a reply
// that comes well within the timeout is still taken.
func TestRPCTimerIsFreshForEveryRequest(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	net.Add("silent", netsim.ReceiverFunc(func(netsim.Message) {}))
	server(net, "slow", func(m netsim.Message, id int64) []json.RawMessage {
		time.Sleep(50 * time.Millisecond)
		return []json.RawMessage{raw(`{"type":"echo_ok","in_reply_to":` + itoa(id) + `}`)}
	})
	c := Open(net).WithTimeout(300 * time.Millisecond)
	defer c.Close()
	_, err := c.RPC(t.Context(), "silent", map[string]any{"type": "read"})
	require.ErrorIs(t, err, workload.ErrTimeout)
	_, err = c.RPC(t.Context(), "slow", map[string]any{"type": "echo"})
	require.NoError(t, err, "after a timeout")
	time.Sleep(400 * time.Millisecond)
	_, err = c.RPC(t.Context(), "slow", map[string]any{"type": "echo"})
	require.NoError(t, err, "after an idle spell longer than the timeout")
}
