package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

func TestInitSetsIdentityAndRepliesInitOK(t *testing.T) {
	var seen atomic.Value
	s := startNode(t, func(n *node.Node) {
		n.Handle("whoami", func(msg node.Message) error {
			seen.Store(fmt.Sprintf("%s %v", n.ID(), n.NodeIDs()))
			return n.Reply(msg, node.MessageBody{Type: "whoami_ok"})
		})
	})
	s.init()
	require.Equal(t, "n1", s.n.ID())
	require.Equal(t, []string{"n1", "n2", "n3"}, s.n.NodeIDs())
	s.sendMsg("c1", "n1", map[string]any{"type": "whoami", "msg_id": 7})
	m := s.recv()
	assert.Equal(t, "whoami_ok", body(m)["type"])
	assert.EqualValues(t, 7, body(m)["in_reply_to"])
	assert.Equal(t, "n1 [n1 n2 n3]", seen.Load())
	require.NoError(t, s.close())
}

func TestInitHandlerRunsBeforeInitOK(t *testing.T) {
	var ran atomic.Bool
	s := startNode(t, func(n *node.Node) {
		n.Handle("init", func(msg node.Message) error {
			require.Equal(t, "n1", n.ID())
			ran.Store(true)
			return nil
		})
	})
	s.init()
	require.True(t, ran.Load())
}

func TestFailingInitHandlerRepliesError(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.Handle("init", func(msg node.Message) error { return node.NewRPCError(node.Abort, "no") })
	})
	s.sendMsg("c0", "n1", map[string]any{"type": "init", "msg_id": 3, "node_id": "n1", "node_ids": []string{"n1"}})
	requireError(t, s.recv(), 3, node.Abort)
}

func TestMalformedInitGets12(t *testing.T) {
	s := startNode(t, nil)
	s.sendMsg("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": 5})
	requireError(t, s.recv(), 1, node.MalformedRequest)
	s.sendMsg("c0", "n1", map[string]any{"type": "init", "msg_id": 2, "node_ids": []string{"n1"}})
	requireError(t, s.recv(), 2, node.MalformedRequest)
	assert.False(t, s.n.Initialized())
}

func TestRequestBeforeInitGets11(t *testing.T) {
	s := startNode(t, func(n *node.Node) { n.Handle("echo", echoHandler(n)) })
	s.send(echoLine(4, "early"))
	m := s.recv()
	requireError(t, m, 4, node.TemporarilyUnavailable)
	assert.Equal(t, "n1", m["src"], "before init the reply comes from the request's dest")
	assert.Equal(t, "c1", m["dest"])
	s.init()
	s.send(echoLine(5, "late"))
	assert.Equal(t, "late", body(s.recv())["echo"])
}

func TestUnknownTypeGets10(t *testing.T) {
	s := startNode(t, nil)
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "frobnicate", "msg_id": 9})
	requireError(t, s.recv(), 9, node.NotSupported)
}

func TestHandlerErrorsBecomeReplies(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.Handle("plain", func(node.Message) error { return errors.New("boom") })
		n.Handle("typed", func(node.Message) error { return node.NewRPCError(node.KeyDoesNotExist, "no key") })
		n.Handle("wrapped", func(node.Message) error {
			return fmt.Errorf("reading: %w", node.NewRPCError(node.TxnConflict, "conflict"))
		})
		n.Handle("custom", func(node.Message) error { return node.NewRPCError(1234, "mine") })
		n.Handle("panic", func(node.Message) error { panic("kaboom") })
		n.Handle("nilpanic", func(node.Message) error {
			var m map[string]int
			m["x"] = 1
			return nil
		})
		n.Handle("echo", echoHandler(n))
	})
	s.init()
	cases := []struct {
		typ  string
		code int
		text string
	}{
		{"plain", node.Crash, "boom"},
		{"typed", node.KeyDoesNotExist, "no key"},
		{"wrapped", node.TxnConflict, "conflict"},
		{"custom", 1234, "mine"},
		{"panic", node.Crash, "kaboom"},
		{"nilpanic", node.Crash, "nil map"},
	}
	for i, c := range cases {
		s.sendMsg("c1", "n1", map[string]any{"type": c.typ, "msg_id": 100 + i})
		m := s.recv()
		requireError(t, m, 100+i, c.code)
		assert.Contains(t, body(m)["text"], c.text)
	}
	s.send(echoLine(200, "still alive"))
	assert.Equal(t, "still alive", body(s.recv())["echo"])
	require.NoError(t, s.close())
}

func TestWrongFieldShapesGet12(t *testing.T) {
	type addBody struct {
		Delta int `json:"delta"`
	}
	s := startNode(t, func(n *node.Node) {
		n.Handle("add", func(msg node.Message) error {
			b, err := node.Decode[addBody](msg)
			if err != nil {
				return err
			}
			return n.Reply(msg, map[string]any{"type": "add_ok", "delta": b.Delta})
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "add", "msg_id": 1, "delta": "five"})
	m := s.recv()
	requireError(t, m, 1, node.MalformedRequest)
	assert.Contains(t, body(m)["text"], "add")
	s.sendMsg("c1", "n1", map[string]any{"type": "add", "msg_id": 2, "delta": 5})
	assert.EqualValues(t, 5, body(s.recv())["delta"])
	// A reserved field of the wrong shape: type is not a string.
	s.send(`{"src":"c1","dest":"n1","body":{"type":["add"],"msg_id":3}}`)
	requireError(t, s.recv(), 3, node.MalformedRequest)
}

func TestBadLinesAreSkipped(t *testing.T) {
	var calls atomic.Int32
	s := startNode(t, func(n *node.Node) {
		n.Handle("echo", echoHandler(n))
		n.Handle("read_ok", func(node.Message) error { calls.Add(1); return nil })
	})
	s.init()
	bad := []string{
		``,
		`   `,
		`not json at all`,
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":1,"echo":"x"}`, // truncated
		`[1,2,3]`,
		`"a string"`,
		`42`,
		`null`,
		`{}`,
		`{"src":"c1","dest":"n1"}`,
		`{"src":"c1","dest":"n1","body":null}`,
		`{"src":"c1","dest":"n1","body":"echo"}`,
		`{"src":"c1","dest":"n1","body":[1]}`,
		`{"src":1,"dest":"n1","body":{"type":"echo","msg_id":1,"echo":"x"}}`,
		`{"src":"c1","dest":"n1","body":{"msg_id":1,"echo":"x"}}`,             // no type
		`{"src":"c1","dest":"n1","body":{"type":"","msg_id":1}}`,              // empty type
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":"1"}}`,        // msg_id not a number
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":1.5}}`,        // msg_id not an integer
		`{"src":"c1","dest":"n1","body":{"type":"read_ok","in_reply_to":77}}`, // reply to unknown id
		`{"src":"c1","dest":"n1","body":{"type":"read_ok","in_reply_to":"x"}}`,
		`{"src":"c1","dest":"n1","body":{"type":"echo","echo":"no msg_id"}}`, // fire and forget: answered
		"\x00\xff\xfe",
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":1,"echo":"x"}} trailing`,
	}
	for _, line := range bad {
		s.send(line)
	}
	s.send(echoLine(99, "after garbage"))
	m := s.recv()
	assert.EqualValues(t, 99, body(m)["in_reply_to"], "the first output must answer the good request, got %v", m)
	assert.Zero(t, calls.Load(), "a reply must never reach a handler")
	require.NoError(t, s.close())
}

func TestRepliesNeverReachHandlers(t *testing.T) {
	var calls atomic.Int32
	s := startNode(t, func(n *node.Node) {
		n.Handle("echo_ok", func(node.Message) error { calls.Add(1); return nil })
		n.Handle("error", func(node.Message) error { calls.Add(1); return nil })
	})
	s.init()
	s.sendMsg("n2", "n1", map[string]any{"type": "echo_ok", "in_reply_to": 5, "echo": "x"})
	s.sendMsg("n2", "n1", map[string]any{"type": "error", "in_reply_to": 0, "code": 13})
	s.expectNone(50 * time.Millisecond)
	require.NoError(t, s.close())
	assert.Zero(t, calls.Load())
}

func TestReplyCarriesInReplyToEvenWhenBodyNamesIt(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.Handle("copy", func(msg node.Message) error {
			// A body that copies the request's reserved fields.
			var b map[string]any
			require.NoError(t, json.Unmarshal(msg.Body, &b))
			b["type"] = "copy_ok"
			b["in_reply_to"] = 12345
			return n.Reply(msg, b)
		})
		n.Handle("raw", func(msg node.Message) error {
			return n.Reply(msg, json.RawMessage("{\n  \"type\": \"raw_ok\",\n  \"x\": [1,\n 2]\n}"))
		})
		n.Handle("enc", func(msg node.Message) error {
			return n.Reply(msg, node.Encoded(`{"type":"enc_ok","x":[1,2]}`))
		})
		n.Handle("bad", func(msg node.Message) error { return n.Reply(msg, "not an object") })
		n.Handle("badenc", func(msg node.Message) error { return n.Reply(msg, node.Encoded(`[1]`)) })
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "copy", "msg_id": 0, "k": "v"})
	m := s.recv()
	assert.Equal(t, "copy_ok", body(m)["type"])
	assert.EqualValues(t, 0, body(m)["in_reply_to"], "msg_id 0 is a msg_id too")
	assert.Equal(t, "v", body(m)["k"])

	s.sendMsg("c1", "n1", map[string]any{"type": "raw", "msg_id": 2})
	m = s.recv()
	assert.Equal(t, "raw_ok", body(m)["type"])
	assert.EqualValues(t, 2, body(m)["in_reply_to"])

	s.sendMsg("c1", "n1", map[string]any{"type": "enc", "msg_id": 4})
	m = s.recv()
	assert.Equal(t, "enc_ok", body(m)["type"])
	assert.EqualValues(t, 4, body(m)["in_reply_to"])
	assert.Equal(t, []any{1.0, 2.0}, body(m)["x"])

	s.sendMsg("c1", "n1", map[string]any{"type": "bad", "msg_id": 3})
	requireError(t, s.recv(), 3, node.Crash)
	s.sendMsg("c1", "n1", map[string]any{"type": "badenc", "msg_id": 5})
	requireError(t, s.recv(), 5, node.Crash)
}

func TestHandlersRunConcurrentlyAndLinesNeverInterleave(t *testing.T) {
	const k = 8
	var arrived sync.WaitGroup
	arrived.Add(k)
	release := make(chan struct{})
	big := strings.Repeat("x", 70_000) // many lines bigger than any pipe write
	s := startNode(t, func(n *node.Node) {
		n.Handle("slow", func(msg node.Message) error {
			arrived.Done()
			<-release
			for i := 0; i < 10; i++ {
				if err := n.Send("c9", map[string]any{"type": "chunk", "data": big, "i": i}); err != nil {
					return err
				}
			}
			return n.Reply(msg, node.MessageBody{Type: "slow_ok"})
		})
	})
	s.init()
	for i := 0; i < k; i++ {
		s.sendMsg("c1", "n1", map[string]any{"type": "slow", "msg_id": i + 1})
	}
	// Every handler is running at once: none can return before all arrived.
	waitOrFail(t, &arrived, 5*time.Second)
	close(release)
	oks := map[float64]bool{}
	for i := 0; i < k*11; i++ {
		m := s.recv() // recv fails the test on any non-JSON line
		if body(m)["type"] == "slow_ok" {
			oks[body(m)["in_reply_to"].(float64)] = true
		} else {
			require.Equal(t, big, body(m)["data"])
		}
	}
	assert.Len(t, oks, k)
	require.NoError(t, s.close())
}

func waitOrFail(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatal("timed out waiting")
	}
}

func TestLargeLines(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.Handle("echo", echoHandler(n))
		n.SetMaxLine(1 << 20)
	})
	s.init()
	payload := strings.Repeat("y", 900_000)
	s.send(echoLine(1, payload))
	assert.Equal(t, payload, body(s.recv())["echo"])
	s.send(echoLine(2, strings.Repeat("z", 3<<20))) // over the limit: skipped
	s.send(echoLine(3, "small"))
	assert.Equal(t, "small", body(s.recv())["echo"])
}

func TestSendBeforeInitFails(t *testing.T) {
	n := node.NewNodeIO(strings.NewReader(""), &strings.Builder{})
	assert.ErrorIs(t, n.Send("n2", node.MessageBody{Type: "x"}), node.ErrNotInitialized)
	assert.ErrorIs(t, n.RPC("n2", node.MessageBody{Type: "x"}, nil), node.ErrNotInitialized)
	require.NoError(t, n.Run())
	n.Init("n1", []string{"n1"})
	assert.ErrorIs(t, n.Send("n2", node.MessageBody{Type: "x"}), node.ErrClosed)
}

func TestRunReturnsAfterEOFAndFlushes(t *testing.T) {
	var out strings.Builder
	in := strings.NewReader(
		`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}` + "\n" +
			echoLine(2, "a") + "\n" + echoLine(3, "b")) // no final newline
	n := node.NewNodeIO(in, &out)
	n.Handle("echo", echoHandler(n))
	require.NoError(t, n.Run())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, out.String(), `"echo":"a"`)
	assert.Contains(t, out.String(), `"echo":"b"`)
}

func TestMessageAccessors(t *testing.T) {
	m := node.Message{Src: "n2", Dest: "n1", Body: json.RawMessage(`{"type":"error","in_reply_to":4,"code":22,"text":"nope"}`)}
	assert.Equal(t, "error", m.Type())
	assert.True(t, m.IsReply())
	assert.Equal(t, 4, m.InReplyTo())
	assert.False(t, m.HasMsgID())
	e := m.RPCError()
	require.NotNil(t, e)
	assert.Equal(t, node.PreconditionFailed, e.Code)
	assert.Equal(t, "nope", e.Text)

	ok := node.Message{Body: json.RawMessage(`{"type":"read_ok","msg_id":3}`)}
	assert.Nil(t, ok.RPCError())
	assert.Equal(t, 3, ok.MsgID())
	assert.True(t, ok.HasMsgID())

	broken := node.Message{Body: json.RawMessage(`{"type":`)}
	assert.Equal(t, "", broken.Type())
}

// writeCounter counts write calls; each would be a syscall on stdout.
type writeCounter struct {
	mu     sync.Mutex
	writes int
	lines  int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	w.lines += strings.Count(string(p), "\n")
	return len(p), nil
}

func TestOutputIsBatched(t *testing.T) {
	const k = 5000
	var in strings.Builder
	in.WriteString(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}` + "\n")
	for i := 0; i < k; i++ {
		in.WriteString(echoLine(i+2, "x") + "\n")
	}
	out := &writeCounter{}
	n := node.NewNodeIO(strings.NewReader(in.String()), out)
	n.Handle("echo", echoHandler(n))
	require.NoError(t, n.Run())
	assert.Equal(t, k+1, out.lines)
	assert.Less(t, out.writes, k/2, "a burst of replies must share write calls")
}

func TestBlockedHandlersNeverStarveNewOnes(t *testing.T) {
	const blocked = 200
	release := make(chan struct{})
	var waiting sync.WaitGroup
	waiting.Add(blocked)
	s := startNode(t, func(n *node.Node) {
		n.Handle("block", func(msg node.Message) error {
			waiting.Done()
			<-release
			return n.Reply(msg, node.MessageBody{Type: "block_ok"})
		})
		n.Handle("echo", echoHandler(n))
	})
	s.init()
	for i := 0; i < blocked; i++ {
		s.sendMsg("c1", "n1", map[string]any{"type": "block", "msg_id": 1000 + i})
	}
	waitOrFail(t, &waiting, 5*time.Second)
	s.send(echoLine(1, "through"))
	assert.Equal(t, "through", body(s.recv())["echo"])
	close(release)
	for i := 0; i < blocked; i++ {
		assert.Equal(t, "block_ok", body(s.recv())["type"])
	}
	require.NoError(t, s.close())
}

func TestHandlersMayRegisterHandlersDuringInit(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.Handle("init", func(node.Message) error {
			n.Handle("late", func(msg node.Message) error {
				return n.Reply(msg, node.MessageBody{Type: "late_ok"})
			})
			return nil
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "late", "msg_id": 2})
	assert.Equal(t, "late_ok", body(s.recv())["type"])
}

func TestNoGoroutineOutlivesRun(t *testing.T) {
	base := runtime.NumGoroutine()
	in, w := pipe()
	n := node.NewNodeIO(in, io.Discard)
	n.SetRPCTimeout(time.Hour)
	n.Handle("fan", func(msg node.Message) error {
		for i := 0; i < 50; i++ {
			if err := n.RPC("n2", map[string]any{"type": "x"}, nil); err != nil {
				return err
			}
		}
		_, err := n.SyncRPC(context.Background(), "n2", map[string]any{"type": "x"})
		return err
	})
	n.Handle("echo", echoHandler(n))
	done := make(chan error, 1)
	go func() { done <- n.Run() }()
	fmt.Fprintln(w, `{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}`)
	for i := 0; i < 100; i++ {
		fmt.Fprintln(w, echoLine(i+10, "x"))
	}
	fmt.Fprintln(w, `{"src":"c1","dest":"n1","body":{"type":"fan","msg_id":2}}`)
	require.Eventually(t, func() bool { return n.PendingRPCs() == 51 }, 5*time.Second, time.Millisecond)
	w.Close()
	require.NoError(t, <-done)
	assert.Zero(t, n.PendingRPCs())
	// Polled here, not in assert.Eventually: it runs its condition on
	// goroutines of its own.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > base {
		var buf strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Fatalf("goroutines: %d before Run, %d after:\n%s", base, after, buf.String())
	}
}

func TestLoggingIsOffByDefaultAndOnWithEnv(t *testing.T) {
	t.Setenv(node.LogEnv, "")
	assert.False(t, node.NewNodeIO(emptyReader{}, io.Discard).LogEnabled())
	t.Setenv(node.LogEnv, "1")
	assert.True(t, node.NewNodeIO(emptyReader{}, io.Discard).LogEnabled())

	var log safeBuffer
	in := strings.NewReader("not json\n" +
		`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}` + "\n" +
		`{"src":"n2","dest":"n1","body":{"type":"x_ok","in_reply_to":77}}` + "\n" +
		`{"src":"c1","dest":"n1","body":{"type":"boom","msg_id":2}}` + "\n")
	n := node.NewNodeIO(in, io.Discard)
	n.SetLogOutput(&log)
	n.Handle("boom", func(node.Message) error { panic("logged with its stack") })
	require.NoError(t, n.Run())
	assert.Contains(t, log.String(), "skipping input: line is not valid JSON")
	assert.Contains(t, log.String(), "unknown or expired msg_id 77")
	assert.Contains(t, log.String(), "logged with its stack")
	assert.Contains(t, log.String(), "goroutine ")

	n = node.NewNodeIO(strings.NewReader("not json\n"), io.Discard)
	n.SetLogOutput(nil)
	assert.False(t, n.LogEnabled())
	require.NoError(t, n.Run())
}

func TestRunReturnsAfterGraceWhenAHandlerIsStuck(t *testing.T) {
	stuck := make(chan struct{})
	replied := make(chan error, 1)
	in := strings.NewReader(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}` + "\n" +
		`{"src":"c1","dest":"n1","body":{"type":"hang","msg_id":2}}` + "\n")
	out := &safeBuffer{}
	n := node.NewNodeIO(in, out)
	n.SetShutdownGrace(50 * time.Millisecond)
	started := make(chan struct{})
	n.Handle("hang", func(msg node.Message) error {
		close(started)
		<-stuck
		err := n.Reply(msg, node.MessageBody{Type: "hang_ok"})
		replied <- err
		return err
	})
	start := time.Now()
	require.NoError(t, n.Run())
	<-started
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Contains(t, out.String(), "init_ok", "output before the stuck handler is flushed")
	close(stuck)
	assert.ErrorIs(t, <-replied, node.ErrClosed)
}
