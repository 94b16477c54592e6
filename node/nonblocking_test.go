package node_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

// Non-blocking handlers run one at a time, in input order: the handler
// below keeps its state without a lock, so the race detector and the
// overlap counter would catch two running at once.
func TestNonBlockingHandlersRunOneAtATimeInInputOrder(t *testing.T) {
	const k = 500
	var seen []int
	var running atomic.Int32
	var overlapped atomic.Bool
	var in strings.Builder
	in.WriteString(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}` + "\n")
	for i := 0; i < k; i++ {
		fmt.Fprintf(&in, `{"src":"c1","dest":"n1","body":{"type":"add","msg_id":%d,"i":%d}}`+"\n", i+2, i)
	}
	out := &writeCounter{}
	n := node.NewNodeIO(strings.NewReader(in.String()), out)
	n.HandleNonBlocking("add", func(msg node.Message) error {
		if running.Add(1) != 1 {
			overlapped.Store(true)
		}
		defer running.Add(-1)
		b, err := node.Decode[struct{ I int }](msg)
		if err != nil {
			return err
		}
		seen = append(seen, b.I)
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	require.NoError(t, n.Run())
	assert.False(t, overlapped.Load(), "two non-blocking handlers ran at once")
	require.Len(t, seen, k)
	for i, v := range seen {
		require.Equal(t, i, v, "handled out of input order")
	}
	assert.Equal(t, k+1, out.lines)
	assert.Less(t, out.writes, k/2, "replies of a burst share write calls")
}

// Errors and panics are answered as with Handle, and the input loop goes on.
func TestNonBlockingHandlerErrorsAndPanicsAreReplied(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.HandleNonBlocking("fail", func(node.Message) error {
			return node.NewRPCError(node.KeyDoesNotExist, "no such key")
		})
		n.HandleNonBlocking("panic", func(node.Message) error { panic("boom") })
		n.HandleNonBlocking("echo", echoHandler(n))
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "fail", "msg_id": 2})
	m := s.recv()
	requireError(t, m, 2, node.KeyDoesNotExist)
	assert.Equal(t, "no such key", body(m)["text"])
	s.sendMsg("c1", "n1", map[string]any{"type": "panic", "msg_id": 3})
	m = s.recv()
	requireError(t, m, 3, node.Crash)
	assert.Contains(t, body(m)["text"], "boom")
	s.send(echoLine(4, "still reading"))
	assert.Equal(t, "still reading", body(s.recv())["echo"])
	require.NoError(t, s.close())
}

// A SyncRPC or KV call from a non-blocking handler would wait for a reply
// the blocked input loop cannot read: it fails at once with a crash reply
// that says why, sends nothing, and the node goes on.
func TestBlockingCallsFromNonBlockingHandlersFailLoudly(t *testing.T) {
	for _, call := range []string{"SyncRPC", "KV.Read", "KV.Write"} {
		t.Run(call, func(t *testing.T) {
			s := startNode(t, func(n *node.Node) {
				n.SetRPCTimeout(time.Minute) // a wait would outlast the test
				kv := node.NewLinKV(n)
				n.HandleNonBlocking("bad", func(msg node.Message) error {
					var err error
					switch call {
					case "SyncRPC":
						_, err = n.SyncRPC(context.Background(), "n2", map[string]any{"type": "ping"})
					case "KV.Read":
						_, err = kv.Read(context.Background(), "k")
					case "KV.Write":
						err = kv.Write(context.Background(), "k", 1)
					}
					return err
				})
				n.HandleNonBlocking("echo", echoHandler(n))
			})
			s.init()
			s.sendMsg("c1", "n1", map[string]any{"type": "bad", "msg_id": 2})
			m := s.recv()
			requireError(t, m, 2, node.Crash)
			assert.Contains(t, body(m)["text"], "blocking call on the input goroutine")
			assert.Contains(t, body(m)["text"], "register the handler with Handle")
			assert.Zero(t, s.n.PendingRPCs(), "no RPC was sent")
			s.send(echoLine(3, "alive"))
			assert.Equal(t, "alive", body(s.recv())["echo"])
			require.NoError(t, s.close())
		})
	}
}

// The check is for the input goroutine only: a worker's SyncRPC made while
// a non-blocking handler runs goes ahead.
func TestWorkersMayCallSyncRPCWhileNonBlockingHandlersRun(t *testing.T) {
	calling := make(chan struct{})
	s := startNode(t, func(n *node.Node) {
		proxyReady := func(msg node.Message) error {
			close(calling)
			reply, err := n.SyncRPC(context.Background(), "n2", map[string]any{"type": "ping"})
			if err != nil {
				return err
			}
			return n.Reply(msg, map[string]any{"type": "proxy_ok", "pong": reply.Type()})
		}
		n.Handle("proxy", proxyReady)
		n.HandleNonBlocking("hold", func(msg node.Message) error {
			<-calling                         // the worker is about to call SyncRPC...
			time.Sleep(20 * time.Millisecond) // ...and does so while this runs
			return n.Reply(msg, node.MessageBody{Type: "hold_ok"})
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "proxy", "msg_id": 2})
	s.sendMsg("c1", "n1", map[string]any{"type": "hold", "msg_id": 3})
	var ping map[string]any
	for ping == nil {
		m := s.recv()
		switch body(m)["type"] {
		case "ping":
			ping = m
		case "hold_ok":
		default:
			t.Fatalf("unexpected %v", m)
		}
	}
	s.sendMsg("n2", "n1", map[string]any{"type": "pong", "in_reply_to": body(ping)["msg_id"]})
	for {
		m := s.recv()
		if body(m)["type"] == "hold_ok" {
			continue
		}
		assert.Equal(t, "proxy_ok", body(m)["type"], "message %v", m)
		assert.Equal(t, "pong", body(m)["pong"])
		break
	}
	require.NoError(t, s.close())
}

// A worker-run handler that blocks does not hold up non-blocking handlers
// of later messages (nor does anything order them after it).
func TestNonBlockingHandlersPassBlockedWorkers(t *testing.T) {
	release := make(chan struct{})
	s := startNode(t, func(n *node.Node) {
		n.Handle("block", func(msg node.Message) error {
			<-release
			return n.Reply(msg, node.MessageBody{Type: "block_ok"})
		})
		n.HandleNonBlocking("echo", echoHandler(n))
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "block", "msg_id": 2})
	s.send(echoLine(3, "first"))
	assert.Equal(t, "first", body(s.recv())["echo"])
	close(release)
	assert.Equal(t, "block_ok", body(s.recv())["type"])
	require.NoError(t, s.close())
}

// RPCNonBlocking's callback gets the reply on the input goroutine, before
// the next message is read; a missing reply is a timeout (code 0), as with
// RPCWithTimeout.
func TestRPCNonBlockingCallbacks(t *testing.T) {
	var got []string // input goroutine only, so no lock: -race checks it
	timedOut := make(chan int, 1)
	s := startNode(t, func(n *node.Node) {
		n.SetRPCTimeout(200 * time.Millisecond)
		n.HandleNonBlocking("ask", func(msg node.Message) error {
			to, err := node.Decode[struct{ To string }](msg)
			if err != nil {
				return err
			}
			return n.RPCNonBlocking(to.To, map[string]any{"type": "ping"}, func(reply node.Message) error {
				if e := reply.RPCError(); e != nil {
					timedOut <- e.Code
					return n.Reply(msg, e)
				}
				got = append(got, reply.Type())
				return n.Reply(msg, node.MessageBody{Type: "ask_ok"})
			})
		})
		n.HandleNonBlocking("seen", func(msg node.Message) error {
			return n.Reply(msg, map[string]any{"type": "seen_ok", "got": strings.Join(got, ",")})
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "ask", "msg_id": 2, "to": "n2"})
	ping := s.recv()
	require.Equal(t, "ping", body(ping)["type"])
	// The reply and the next request in one write: the callback has run
	// before "seen" is read.
	s.send(fmt.Sprintf(`{"src":"n2","dest":"n1","body":{"type":"pong","in_reply_to":%v}}`+"\n"+
		`{"src":"c1","dest":"n1","body":{"type":"seen","msg_id":3}}`, body(ping)["msg_id"]))
	assert.Equal(t, "ask_ok", body(s.recv())["type"])
	seen := s.recv()
	assert.Equal(t, "pong", body(seen)["got"])

	s.sendMsg("c1", "n1", map[string]any{"type": "ask", "msg_id": 4, "to": "n3"})
	require.Equal(t, "ping", body(s.recv())["type"])
	select {
	case code := <-timedOut:
		assert.Equal(t, node.Timeout, code)
	case <-time.After(5 * time.Second):
		t.Fatal("no timeout callback")
	}
	requireError(t, s.recv(), 4, node.Timeout)
	assert.Zero(t, s.n.PendingRPCs())
	require.NoError(t, s.close())
}

// A callback of RPCNonBlocking that calls SyncRPC is refused as a handler
// is; callback errors are logged, so the refusal shows in the log.
func TestSyncRPCFromNonBlockingCallbackFails(t *testing.T) {
	var log safeBuffer
	var wg sync.WaitGroup
	wg.Add(1)
	var callbackErr error
	s := startNode(t, func(n *node.Node) {
		n.SetLogOutput(&log)
		n.SetRPCTimeout(time.Minute)
		n.HandleNonBlocking("ask", func(msg node.Message) error {
			return n.RPCNonBlocking("n2", map[string]any{"type": "ping"}, func(node.Message) error {
				defer wg.Done()
				defer func() {
					if p := recover(); p != nil {
						callbackErr = p.(error)
						panic(p)
					}
				}()
				_, err := n.SyncRPC(context.Background(), "n3", map[string]any{"type": "ping"})
				return err
			})
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "ask", "msg_id": 2})
	ping := s.recv()
	s.sendMsg("n2", "n1", map[string]any{"type": "pong", "in_reply_to": body(ping)["msg_id"]})
	waitOrFail(t, &wg, 5*time.Second)
	require.ErrorIs(t, callbackErr, node.ErrWouldBlockInput)
	require.NoError(t, s.close())
	assert.Contains(t, log.String(), "blocking call on the input goroutine")
	assert.Zero(t, s.n.PendingRPCs())
}

// init runs on a worker even when registered with HandleNonBlocking, so it
// may wait for replies as demo/go's init handlers may.
func TestNonBlockingInitStillRunsOnAWorker(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.HandleNonBlocking("init", func(node.Message) error {
			_, err := n.SyncRPC(context.Background(), "n2", map[string]any{"type": "hello"})
			return err
		})
	})
	s.sendMsg("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1", "n2"}})
	hello := s.recv()
	require.Equal(t, "hello", body(hello)["type"])
	s.sendMsg("n2", "n1", map[string]any{"type": "hello_ok", "in_reply_to": body(hello)["msg_id"]})
	assert.Equal(t, "init_ok", body(s.recv())["type"])
	require.NoError(t, s.close())
}

func TestHandleNonBlockingDuplicatePanics(t *testing.T) {
	n := node.NewNodeIO(strings.NewReader(""), &strings.Builder{})
	n.Handle("a", func(node.Message) error { return nil })
	assert.Panics(t, func() { n.HandleNonBlocking("a", func(node.Message) error { return nil }) })
}
