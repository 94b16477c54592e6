package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

// Every exported identifier of Maelstrom's demo/go (node.go, kv.go,
// rpc_error.go), with its exact type. Compiling this file is the test
// that the signatures match; the tests below check the behaviour.
var (
	_                         func() *node.Node                                                    = node.NewNode
	_                         func(*node.Node, string, []string)                                   = (*node.Node).Init
	_                         func(*node.Node) string                                              = (*node.Node).ID
	_                         func(*node.Node) []string                                            = (*node.Node).NodeIDs
	_                         func(*node.Node, string, node.HandlerFunc)                           = (*node.Node).Handle
	_                         func(*node.Node) error                                               = (*node.Node).Run
	_                         func(*node.Node, node.Message, any) error                            = (*node.Node).Reply
	_                         func(*node.Node, string, any) error                                  = (*node.Node).Send
	_                         func(*node.Node, string, any, node.HandlerFunc) error                = (*node.Node).RPC
	_                         func(*node.Node, context.Context, string, any) (node.Message, error) = (*node.Node).SyncRPC
	_                         func(*node.Message) string                                           = (*node.Message).Type
	_                         func(*node.Message) *node.RPCError                                   = (*node.Message).RPCError
	_                         func(node.Message) error                                             = node.HandlerFunc(nil)
	_                         func(int) string                                                     = node.ErrorCodeText
	_                         func(error) int                                                      = node.ErrorCode
	_                         func(int, string) *node.RPCError                                     = node.NewRPCError
	_                         func(*node.RPCError) string                                          = (*node.RPCError).Error
	_                         func(*node.RPCError) ([]byte, error)                                 = (*node.RPCError).MarshalJSON
	_                         func(string, *node.Node) *node.KV                                    = node.NewKV
	_                         func(*node.Node) *node.KV                                            = node.NewLinKV
	_                         func(*node.Node) *node.KV                                            = node.NewSeqKV
	_                         func(*node.Node) *node.KV                                            = node.NewLWWKV
	_                         func(*node.KV, context.Context, string) (any, error)                 = (*node.KV).Read
	_                         func(*node.KV, context.Context, string) (int, error)                 = (*node.KV).ReadInt
	_                         func(*node.KV, context.Context, string, any) error                   = (*node.KV).Write
	_                         func(*node.KV, context.Context, string, any, any, bool) error        = (*node.KV).CompareAndSwap
	_                         io.Reader                                                            = node.NewNode().Stdin
	_                         io.Writer                                                            = node.NewNode().Stdout
	_                                                                                              = node.Message{Src: "", Dest: "", Body: json.RawMessage(nil)}
	_                                                                                              = node.MessageBody{Type: "", MsgID: 0, InReplyTo: 0, Code: 0, Text: ""}
	_                                                                                              = node.InitMessageBody{MessageBody: node.MessageBody{}, NodeID: "", NodeIDs: nil}
	_                                                                                              = node.RPCError{Code: 0, Text: ""}
	_                         [0]struct{}                                                          = [node.Timeout]struct{}{}
	_, _, _, _, _, _, _, _, _ int                                                                  = node.NotSupported, node.TemporarilyUnavailable, node.MalformedRequest, node.Crash, node.Abort, node.KeyDoesNotExist, node.KeyAlreadyExists, node.PreconditionFailed, node.TxnConflict
	_, _, _                   string                                                               = node.LinKV, node.SeqKV, node.LWWKV
)

func TestDropInErrorCodeValues(t *testing.T) {
	// demo/go/rpc_error.go's values, which are Maelstrom's.
	want := map[int]string{0: "Timeout", 10: "NotSupported", 11: "TemporarilyUnavailable", 12: "MalformedRequest",
		13: "Crash", 14: "Abort", 20: "KeyDoesNotExist", 21: "KeyAlreadyExists", 22: "PreconditionFailed", 30: "TxnConflict"}
	got := map[int]string{node.Timeout: "Timeout", node.NotSupported: "NotSupported", node.TemporarilyUnavailable: "TemporarilyUnavailable",
		node.MalformedRequest: "MalformedRequest", node.Crash: "Crash", node.Abort: "Abort", node.KeyDoesNotExist: "KeyDoesNotExist",
		node.KeyAlreadyExists: "KeyAlreadyExists", node.PreconditionFailed: "PreconditionFailed", node.TxnConflict: "TxnConflict"}
	assert.Equal(t, want, got)
	for code, name := range want {
		assert.Equal(t, name, node.ErrorCodeText(code))
	}
	assert.Equal(t, "ErrorCode<1000>", node.ErrorCodeText(1000))
	assert.Equal(t, [3]string{"lin-kv", "seq-kv", "lww-kv"}, [3]string{node.LinKV, node.SeqKV, node.LWWKV})
}

func TestDropInErrorCode(t *testing.T) {
	assert.Equal(t, 20, node.ErrorCode(node.NewRPCError(node.KeyDoesNotExist, "nope")))
	assert.Equal(t, -1, node.ErrorCode(nil))
	assert.Equal(t, -1, node.ErrorCode(errors.New("plain")))
	assert.Equal(t, -1, node.ErrorCode(context.DeadlineExceeded))
	// An extra: a wrapped *RPCError is found too.
	assert.Equal(t, 22, node.ErrorCode(fmt.Errorf("cas: %w", node.NewRPCError(node.PreconditionFailed, ""))))
}

func TestDropInRPCErrorText(t *testing.T) {
	e := node.NewRPCError(node.KeyDoesNotExist, `key "x"`)
	assert.Equal(t, node.RPCError{Code: 20, Text: `key "x"`}, *e)
	assert.Equal(t, `RPCError(KeyDoesNotExist, "key \"x\"")`, e.Error())
	b, err := json.Marshal(e)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"error","code":20,"text":"key \"x\""}`, string(b))
	b, err = json.Marshal(node.NewRPCError(node.Timeout, ""))
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"error","code":0}`, string(b), "code 0 is written (demo/go omits it)")
	assert.Equal(t, "text 7", node.NewRPCErrorf(node.Crash, "text %d", 7).Text)
}

func TestDropInMessage(t *testing.T) {
	m := node.Message{Src: "c1", Dest: "n1", Body: json.RawMessage(`{"type":"error","code":22,"text":"no","in_reply_to":3}`)}
	assert.Equal(t, "error", m.Type())
	assert.Equal(t, &node.RPCError{Code: 22, Text: "no"}, m.RPCError())
	ok := node.Message{Body: json.RawMessage(`{"type":"read_ok","value":1}`)}
	assert.Nil(t, ok.RPCError())
	assert.Equal(t, "", (&node.Message{Body: json.RawMessage(`{`)}).Type())
	b, err := json.Marshal(node.Message{})
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(b), "empty fields are omitted, as demo/go's tags say")
	b, err = json.Marshal(node.InitMessageBody{})
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(b))
}

func TestDropInHandleDuplicatePanics(t *testing.T) {
	n := node.NewNode()
	n.Handle("echo", func(node.Message) error { return nil })
	assert.Panics(t, func() { n.Handle("echo", func(node.Message) error { return nil }) })
}

// demo/go's fields: a program may set Stdin and Stdout after NewNode.
func TestDropInStdinStdoutFields(t *testing.T) {
	n := node.NewNode()
	var out safeBuffer
	n.Stdin = strings.NewReader(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}` + "\n" +
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2,"echo":"hi"}}` + "\n")
	n.Stdout = &out
	n.Handle("echo", echoHandler(n))
	require.NoError(t, n.Run())
	assert.Contains(t, out.String(), `"init_ok"`)
	assert.Contains(t, out.String(), `"echo_ok"`)
	assert.Equal(t, "n1", n.ID())
	assert.Equal(t, []string{"n1"}, n.NodeIDs())
}

// The failure the issue reports: an init handler that writes to seq-kv
// with SyncRPC. init_ok must come after the write completes.
func TestDropInInitHandlerMayCallKV(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		kv := node.NewSeqKV(n)
		n.Handle("init", func(msg node.Message) error {
			return kv.Write(context.Background(), "counter", 0)
		})
	})
	s.sendMsg("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1"}})
	w := s.recv()
	require.Equal(t, "seq-kv", w["dest"], "the init handler runs before init_ok")
	require.Equal(t, "write", body(w)["type"])
	s.expectNone(20 * time.Millisecond)
	s.sendMsg("seq-kv", "n1", map[string]any{"type": "write_ok", "in_reply_to": body(w)["msg_id"]})
	ok := s.recv()
	assert.Equal(t, "init_ok", body(ok)["type"])
	assert.EqualValues(t, 1, body(ok)["in_reply_to"])
}

func TestDropInInitHandlerErrorIsReplied(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.Handle("init", func(msg node.Message) error {
			return node.NewRPCError(node.TemporarilyUnavailable, "not yet")
		})
	})
	s.sendMsg("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1"}})
	requireError(t, s.recv(), 1, node.TemporarilyUnavailable)
}

// Reply with an *RPCError body sends an error reply, as in demo/go.
func TestDropInReplyWithRPCError(t *testing.T) {
	s := startNode(t, func(n *node.Node) {
		n.Handle("get", func(msg node.Message) error {
			return n.Reply(msg, node.NewRPCError(node.KeyDoesNotExist, "nope"))
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "get", "msg_id": 4})
	requireError(t, s.recv(), 4, node.KeyDoesNotExist)
}

// Handlers may block on each other: a handler waiting for a later message
// does not stop the input loop.
func TestDropInBlockingHandlerDoesNotStopInput(t *testing.T) {
	release := make(chan struct{})
	s := startNode(t, func(n *node.Node) {
		n.Handle("wait", func(msg node.Message) error {
			<-release
			return n.Reply(msg, node.MessageBody{Type: "wait_ok"})
		})
		n.Handle("release", func(msg node.Message) error {
			close(release)
			return n.Reply(msg, node.MessageBody{Type: "release_ok"})
		})
	})
	s.init()
	s.sendMsg("c1", "n1", map[string]any{"type": "wait", "msg_id": 2})
	s.sendMsg("c2", "n1", map[string]any{"type": "release", "msg_id": 3})
	got := map[string]bool{}
	got[body(s.recv())["type"].(string)] = true
	got[body(s.recv())["type"].(string)] = true
	assert.Equal(t, map[string]bool{"wait_ok": true, "release_ok": true}, got)
}

// A demo/go-style read-CAS loop against a fake lin-kv: ErrorCode tells a
// lost race (PreconditionFailed) from a missing key.
func TestDropInReadCASLoop(t *testing.T) {
	s, _ := startKV(t)
	kv := node.NewLinKV(s.n)
	c := ctx(t)
	for i := 0; i < 3; i++ {
		for {
			v, err := kv.ReadInt(c, "sum")
			if err != nil && node.ErrorCode(err) != node.KeyDoesNotExist {
				t.Fatal(err)
			}
			err = kv.CompareAndSwap(c, "sum", v, v+5, true)
			if node.ErrorCode(err) == node.PreconditionFailed {
				continue
			}
			require.NoError(t, err)
			break
		}
	}
	v, err := kv.Read(c, "sum")
	require.NoError(t, err)
	assert.Equal(t, 15, v)
}
