package node_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"glomers/node"
)

// script drives a node through pipes: the test writes input lines and
// reads the node's output lines, as Maelstrom would.
type script struct {
	t      *testing.T
	n      *node.Node
	in     *io.PipeWriter
	out    chan map[string]any
	runErr chan error
}

const recvTimeout = 5 * time.Second

// startNode builds a node, lets setup register handlers, and runs it.
func startNode(t *testing.T, setup func(n *node.Node)) *script {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	n := node.NewNodeIO(inR, outW)
	if setup != nil {
		setup(n)
	}
	s := &script{t: t, n: n, in: inW, out: make(chan map[string]any, 1024), runErr: make(chan error, 1)}
	go func() {
		err := n.Run()
		outW.Close()
		s.runErr <- err
	}()
	go func() {
		defer close(s.out)
		r := bufio.NewReader(outR)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				var m map[string]any
				if jerr := json.Unmarshal(line, &m); jerr != nil {
					t.Errorf("node wrote a line that is not JSON: %q", line)
					continue
				}
				s.out <- m
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { s.close() })
	return s
}

// send writes one raw input line.
func (s *script) send(line string) {
	s.t.Helper()
	_, err := io.WriteString(s.in, line+"\n")
	require.NoError(s.t, err)
}

// sendMsg writes one message.
func (s *script) sendMsg(src, dest string, body map[string]any) {
	s.t.Helper()
	b, err := json.Marshal(map[string]any{"src": src, "dest": dest, "body": body})
	require.NoError(s.t, err)
	s.send(string(b))
}

// trySend writes one message, ignoring a closed input (for goroutines
// that may outlive the test).
func (s *script) trySend(src, dest string, body map[string]any) {
	b, _ := json.Marshal(map[string]any{"src": src, "dest": dest, "body": body})
	_, _ = io.WriteString(s.in, string(b)+"\n")
}

// recv returns the next output message, failing after recvTimeout.
func (s *script) recv() map[string]any {
	s.t.Helper()
	select {
	case m, ok := <-s.out:
		require.True(s.t, ok, "node output ended")
		return m
	case <-time.After(recvTimeout):
		s.t.Fatal("no output from node")
		return nil
	}
}

// expectNone asserts that nothing is written for d.
func (s *script) expectNone(d time.Duration) {
	s.t.Helper()
	select {
	case m := <-s.out:
		s.t.Fatalf("unexpected output %v", m)
	case <-time.After(d):
	}
}

// init sends init for n1 of n1..n3 and checks init_ok.
func (s *script) init() {
	s.t.Helper()
	s.sendMsg("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1", "n2", "n3"}})
	m := s.recv()
	require.Equal(s.t, "init_ok", body(m)["type"])
	require.EqualValues(s.t, 1, body(m)["in_reply_to"])
	require.Equal(s.t, "n1", m["src"])
	require.Equal(s.t, "c0", m["dest"])
}

// close ends the input and waits for Run.
func (s *script) close() error {
	s.in.Close()
	select {
	case err := <-s.runErr:
		s.runErr <- err
		return err
	case <-time.After(10 * time.Second):
		s.t.Fatal("Run did not return after EOF")
		return nil
	}
}

func body(m map[string]any) map[string]any {
	b, _ := m["body"].(map[string]any)
	return b
}

// requireError asserts m is an error reply to msgID with the given code.
func requireError(t *testing.T, m map[string]any, msgID int, code int) {
	t.Helper()
	b := body(m)
	require.Equal(t, "error", b["type"], "message %v", m)
	require.EqualValues(t, code, b["code"], "message %v", m)
	require.EqualValues(t, msgID, b["in_reply_to"], "message %v", m)
}

// echoHandler is the handler most tests use.
func echoHandler(n *node.Node) node.HandlerFunc {
	return func(msg node.Message) error {
		var b struct {
			Echo json.RawMessage `json:"echo"`
		}
		if err := msg.DecodeBody(&b); err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "echo_ok", "echo": b.Echo})
	}
}

func echoLine(id int, payload string) string {
	return fmt.Sprintf(`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":%d,"echo":%q}}`, id, payload)
}

// safeBuffer is an output a test can read while the node writes.
type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func pipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, io.EOF }
