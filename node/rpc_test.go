package node_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

// proxy registers "proxy": a SyncRPC of {type: ping} to the request's
// "to", answering with the outcome.
func proxy(n *node.Node, timeout time.Duration) {
	n.Handle("proxy", func(msg node.Message) error {
		var b struct {
			To string `json:"to"`
		}
		if err := msg.DecodeBody(&b); err != nil {
			return err
		}
		ctx := context.Background()
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		reply, err := n.SyncRPC(ctx, b.To, map[string]any{"type": "ping"})
		if err != nil {
			code, _ := node.CodeOf(err)
			return n.Reply(msg, map[string]any{
				"type":     "proxy_failed",
				"code":     code,
				"deadline": errors.Is(err, context.DeadlineExceeded),
				"closed":   errors.Is(err, node.ErrNodeClosed),
			})
		}
		var pong struct {
			Value int `json:"value"`
		}
		if err := reply.DecodeBody(&pong); err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "proxy_ok", "value": pong.Value})
	})
}

func TestSyncRPCReply(t *testing.T) {
	s := startNode(t, func(n *node.Node) { proxy(n, 0) })
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "proxy", "msg_id": 1, "to": "n2"})
	ping := s.recv()
	require.Equal(t, "n2", ping["dest"])
	require.Equal(t, "n1", ping["src"])
	require.Equal(t, "ping", body(ping)["type"])
	id := body(ping)["msg_id"]
	require.NotNil(t, id)
	s.sendMsg("n2", "n1", map[string]any{"type": "pong", "in_reply_to": id, "value": 42})
	m := s.recv()
	assert.Equal(t, "proxy_ok", body(m)["type"])
	assert.EqualValues(t, 42, body(m)["value"])
	assert.EqualValues(t, 1, body(m)["in_reply_to"])
	assert.Zero(t, s.n.PendingRPCs())
}

func TestSyncRPCErrorReplyIsTyped(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.Handle("get", func(msg node.Message) error {
			_, err := n.SyncRPC(context.Background(), "lin-kv", map[string]any{"type": "read", "key": "k"})
			var rpcErr *node.RPCError
			require.ErrorAs(t, err, &rpcErr)
			require.True(t, node.HasCode(err, node.KeyDoesNotExist))
			return err // the client sees the service's code
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "get", "msg_id": 5})
	read := s.recv()
	s.sendMsg("lin-kv", "n1", map[string]any{"type": "error", "in_reply_to": body(read)["msg_id"], "code": 20, "text": "key does not exist"})
	requireError(t, s.recv(), 5, node.KeyDoesNotExist)
}

func TestSyncRPCContextTimeoutRemovesCallbackAndDropsLateReply(t *testing.T) {
	s := startNode(t, func(n *node.Node) { proxy(n, 50*time.Millisecond); n.Handle("echo", echoHandler(n)) })
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "proxy", "msg_id": 1, "to": "n3"})
	ping := s.recv()
	m := s.recv()
	assert.Equal(t, "proxy_failed", body(m)["type"])
	assert.EqualValues(t, node.Timeout, body(m)["code"])
	assert.Equal(t, true, body(m)["deadline"])
	assert.Zero(t, s.n.PendingRPCs())
	// The late reply finds no callback: dropped, and the node goes on.
	s.sendMsg("n3", "n1", map[string]any{"type": "pong", "in_reply_to": body(ping)["msg_id"], "value": 1})
	s.send(echoLine(2, "next"))
	assert.Equal(t, "next", body(s.recv())["echo"])
}

func TestSyncRPCWithoutDeadlineUsesRPCTimeout(t *testing.T) {
	s := startNode(t, func(n *node.Node) { proxy(n, 0); n.SetRPCTimeout(50 * time.Millisecond) })
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "proxy", "msg_id": 1, "to": "n3"})
	s.recv() // ping
	m := s.recv()
	assert.Equal(t, "proxy_failed", body(m)["type"])
	assert.EqualValues(t, node.Timeout, body(m)["code"])
	assert.Zero(t, s.n.PendingRPCs())
}

func TestPendingSyncRPCFailsAtEOF(t *testing.T) {
	var out safeBuffer
	in, w := pipe()
	n := node.NewNodeIO(in, &out)
	proxy(n, 0)
	n.SetRPCTimeout(time.Hour)
	done := make(chan error, 1)
	go func() { done <- n.Run() }()
	fmt.Fprintln(w, `{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}`)
	fmt.Fprintln(w, `{"src":"c1","dest":"n1","body":{"type":"proxy","msg_id":2,"to":"n2"}}`)
	require.Eventually(t, func() bool { return n.PendingRPCs() == 1 }, 5*time.Second, time.Millisecond)
	w.Close()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run waits for an RPC that can never be answered")
	}
	assert.Contains(t, out.String(), `"closed":true`)
	assert.Contains(t, out.String(), `"code":0`)
}

func TestRPCWithTimeoutCallbacks(t *testing.T) {
	type result struct {
		from string
		code int
		typ  string
	}
	results := make(chan result, 10)
	s := startNode(t, func(n *node.Node) {
		n.SetRPCTimeout(100 * time.Millisecond)
		n.Handle("fanout", func(msg node.Message) error {
			for _, peer := range []string{"n2", "n3"} {
				err := n.RPCWithTimeout(peer, map[string]any{"type": "gossip"}, func(reply node.Message) error {
					r := result{from: reply.Src, typ: reply.Type()}
					if e := reply.RPCError(); e != nil {
						r.code = e.Code
					}
					results <- r
					if reply.Src == "n2" {
						panic("callbacks may panic too")
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			return n.Reply(msg, node.MessageBody{Type: "fanout_ok"})
		})
		n.Handle("echo", echoHandler(n))
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "fanout", "msg_id": 1})
	sent := map[string]any{}
	for len(sent) < 2 {
		m := s.recv()
		if body(m)["type"] == "gossip" {
			sent[m["dest"].(string)] = body(m)["msg_id"]
		}
	}
	s.sendMsg("n2", "n1", map[string]any{"type": "gossip_ok", "in_reply_to": sent["n2"]})
	got := map[string]result{}
	for i := 0; i < 2; i++ {
		select {
		case r := <-results:
			got[r.from] = r
		case <-time.After(5 * time.Second):
			t.Fatal("callback not called")
		}
	}
	assert.Equal(t, result{from: "n2", typ: "gossip_ok"}, got["n2"])
	assert.Equal(t, result{from: "n3", typ: "error", code: node.Timeout}, got["n3"], "silent peer times out with code 0")
	assert.Zero(t, s.n.PendingRPCs())
	// A reply after the timeout is dropped; the callback is not called again.
	s.sendMsg("n3", "n1", map[string]any{"type": "gossip_ok", "in_reply_to": sent["n3"]})
	s.send(echoLine(9, "alive"))
	for {
		m := s.recv()
		if body(m)["type"] == "echo_ok" {
			break
		}
	}
	select {
	case r := <-results:
		t.Fatalf("callback called twice: %v", r)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestMsgIDsUniqueUnderConcurrency(t *testing.T) {
	const k = 200
	s := startNode(t, func(n *node.Node) {
		n.Handle("go", func(msg node.Message) error {
			var wg sync.WaitGroup
			for i := 0; i < k; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
					defer cancel()
					_, _ = n.SyncRPC(ctx, "n2", map[string]any{"type": "x"})
				}()
			}
			wg.Wait()
			return n.Reply(msg, node.MessageBody{Type: "go_ok"})
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "go", "msg_id": 1})
	ids := map[float64]bool{}
	for {
		m := s.recv()
		if body(m)["type"] == "go_ok" {
			break
		}
		id := body(m)["msg_id"].(float64)
		require.False(t, ids[id], "msg_id %v used twice", id)
		ids[id] = true
	}
	assert.Len(t, ids, k)
	assert.Zero(t, s.n.PendingRPCs())
}

func TestSyncRPCCanceledContext(t *testing.T) {
	n := node.NewNodeIO(emptyReader{}, &safeBuffer{})
	n.Init("n1", []string{"n1"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := n.SyncRPC(ctx, "n2", map[string]any{"type": "x"})
	// demo/go returns the context's error itself.
	assert.Equal(t, context.Canceled, err)
	assert.Equal(t, -1, node.ErrorCode(err))
	assert.False(t, node.IsDefiniteError(err))
	assert.Zero(t, n.PendingRPCs())
}

// demo/go's RPC calls its callback only with a reply; ours forgets the
// callback after the RPC timeout without calling it.
func TestRPCCallbackRunsOnlyOnReply(t *testing.T) {
	calls := make(chan string, 10)
	s := startNode(t, func(n *node.Node) {
		n.SetRPCTimeout(30 * time.Millisecond)
		n.Handle("fanout", func(msg node.Message) error {
			for _, peer := range []string{"n2", "n3"} {
				if err := n.RPC(peer, map[string]any{"type": "gossip"}, func(reply node.Message) error {
					calls <- reply.Src + " " + reply.Type()
					return nil
				}); err != nil {
					return err
				}
			}
			return n.Reply(msg, node.MessageBody{Type: "fanout_ok"})
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "fanout", "msg_id": 1})
	sent := map[string]any{}
	for len(sent) < 2 {
		m := s.recv()
		if body(m)["type"] == "gossip" {
			sent[m["dest"].(string)] = body(m)["msg_id"]
		}
	}
	s.sendMsg("n2", "n1", map[string]any{"type": "gossip_ok", "in_reply_to": sent["n2"]})
	assert.Equal(t, "n2 gossip_ok", <-calls)
	require.Eventually(t, func() bool { return s.n.PendingRPCs() == 0 }, 5*time.Second, time.Millisecond, "the silent peer's callback is forgotten")
	select {
	case c := <-calls:
		t.Fatalf("callback called without a reply: %s", c)
	case <-time.After(50 * time.Millisecond):
	}
}
