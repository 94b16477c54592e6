package client

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/errcode"
	"glomers/harness/netsim"
	"glomers/harness/workload"
)

// server answers requests on the network with whatever reply builds.
func server(net *netsim.Network, id string, reply func(m netsim.Message, msgID int64) []json.RawMessage) {
	net.Add(id, netsim.NewMailbox(func(m netsim.Message) {
		var b struct {
			MsgID int64 `json:"msg_id"`
		}
		json.Unmarshal(m.Body, &b)
		for _, r := range reply(m, b.MsgID) {
			net.Send(id, m.Src, r)
		}
	}))
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestRPCMatchesItsReplyAndSkipsStaleOnes(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	server(net, "n0", func(m netsim.Message, id int64) []json.RawMessage {
		return []json.RawMessage{
			raw(`{"type":"echo_ok","in_reply_to":999}`), // a stale reply to someone else's request
			raw(`not json`),
			raw(`{"type":"echo_ok","echo":"hi","in_reply_to":` + itoa(id) + `}`),
		}
	})
	c := Open(net)
	defer c.Close()
	assert.Equal(t, "c0", c.ID())
	reply, err := c.RPC(context.Background(), "n0", map[string]any{"type": "echo", "echo": "hi"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"echo_ok","echo":"hi","in_reply_to":1}`, string(reply))
}

func TestRPCErrorRepliesAreTyped(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	server(net, "n0", func(m netsim.Message, id int64) []json.RawMessage {
		return []json.RawMessage{raw(`{"type":"error","code":22,"text":"nope","in_reply_to":` + itoa(id) + `}`)}
	})
	c := Open(net)
	_, err := c.RPC(context.Background(), "n0", map[string]any{"type": "cas"})
	var rpcErr *errcode.Error
	require.ErrorAs(t, err, &rpcErr)
	assert.Equal(t, errcode.PreconditionFailed, rpcErr.Code)
	assert.True(t, rpcErr.Definite())
}

func TestRPCTimesOutOnSilenceAndUnknownNodes(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	net.Add("silent", netsim.ReceiverFunc(func(netsim.Message) {}))
	c := Open(net).WithTimeout(50 * time.Millisecond)
	start := time.Now()
	_, err := c.RPC(context.Background(), "silent", map[string]any{"type": "read"})
	assert.True(t, errors.Is(err, workload.ErrTimeout))
	assert.Less(t, time.Since(start), time.Second)

	_, err = c.RPC(context.Background(), "nobody", map[string]any{"type": "read"})
	assert.True(t, errors.Is(err, workload.ErrTimeout), "Maelstrom's client never hears from an unknown node")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Open(net).RPC(ctx, "silent", map[string]any{"type": "read"})
	assert.True(t, errors.Is(err, workload.ErrTimeout))
}

func TestWithMsgID(t *testing.T) {
	b, err := withMsgID(map[string]any{"type": "x"}, 7)
	require.NoError(t, err)
	assert.JSONEq(t, `{"msg_id":7,"type":"x"}`, string(b))
	b, err = withMsgID(struct{}{}, 8)
	require.NoError(t, err)
	assert.JSONEq(t, `{"msg_id":8}`, string(b))
	_, err = withMsgID([]int{1}, 9)
	assert.Error(t, err, "a body must be an object")
}

func itoa(i int64) string { b, _ := json.Marshal(i); return string(b) }

// appended is a workload.BodyAppender for the tests: it writes raw, or
// declines when raw is empty.
type appended struct {
	raw      string
	Fallback string `json:"fallback"`
}

func (a appended) AppendJSONBody(b []byte) ([]byte, bool) {
	return append(b, a.raw...), a.raw != ""
}

func TestWithMsgIDTakesBodiesThatAppendThemselves(t *testing.T) {
	b, err := withMsgID(appended{raw: `{"type":"x","k":[1,2]}`}, 7)
	require.NoError(t, err)
	assert.Equal(t, `{"msg_id":7,"type":"x","k":[1,2]}`, string(b))
	b, err = withMsgID(appended{raw: `{}`}, 8)
	require.NoError(t, err)
	assert.Equal(t, `{"msg_id":8}`, string(b))
	// A body that declines is encoded by encoding/json.
	b, err = withMsgID(appended{Fallback: "<&>"}, 9)
	require.NoError(t, err)
	assert.Equal(t, `{"msg_id":9,"fallback":"\u003c\u0026\u003e"}`, string(b))
	// So is one that writes something other than an object.
	b, err = withMsgID(appended{raw: `[1]`, Fallback: "y"}, 10)
	require.NoError(t, err)
	assert.Equal(t, `{"msg_id":10,"fallback":"y"}`, string(b))
}

// The one timer per client keeps each request's own deadline: a silent
// request after a spell of answered ones (longer than the timeout, so the
// timer re-arms itself) times out a timeout after it began, not earlier.
func TestRPCTimeoutCountsFromEachRequest(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	net.Add("silent", netsim.ReceiverFunc(func(netsim.Message) {}))
	server(net, "n0", func(m netsim.Message, id int64) []json.RawMessage {
		return []json.RawMessage{raw(`{"type":"echo_ok","in_reply_to":` + itoa(id) + `}`)}
	})
	const timeout = 100 * time.Millisecond
	c := Open(net).WithTimeout(timeout)
	defer c.Close()
	for start := time.Now(); time.Since(start) < 3*timeout; {
		_, err := c.RPC(t.Context(), "n0", map[string]any{"type": "echo"})
		require.NoError(t, err)
	}
	start := time.Now()
	_, err := c.RPC(t.Context(), "silent", map[string]any{"type": "read"})
	require.ErrorIs(t, err, workload.ErrTimeout)
	assert.GreaterOrEqual(t, time.Since(start), timeout)
	assert.Less(t, time.Since(start), 20*timeout)
}

// A request still times out when late replies fill the client's buffer.
func TestRPCTimesOutBehindAFloodOfLateReplies(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	server(net, "n0", func(m netsim.Message, id int64) []json.RawMessage {
		var late []json.RawMessage
		for i := 0; i < 200; i++ {
			late = append(late, raw(`{"type":"echo_ok","in_reply_to":999}`))
		}
		return late
	})
	c := Open(net).WithTimeout(50 * time.Millisecond)
	defer c.Close()
	_, err := c.RPC(t.Context(), "n0", map[string]any{"type": "echo"})
	require.ErrorIs(t, err, workload.ErrTimeout)
	assert.Contains(t, err.Error(), "no reply from n0")
}
