package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
	"glomers/raft/internal/raft"
)

// pipeNode runs a one-node cluster in-process, its input and output
// pipes in place of stdin and stdout.
type pipeNode struct {
	in   *io.PipeWriter
	out  *bufio.Scanner
	done chan error
	next int
}

func startNode(t *testing.T, dir string) *pipeNode {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	n := node.NewNodeIO(inR, outW)
	New(n, Options{DataDir: dir, Tick: time.Millisecond, RequestTimeout: 2 * time.Second}).Register()
	p := &pipeNode{in: inW, out: bufio.NewScanner(outR), done: make(chan error, 1)}
	go func() { p.done <- n.Run(); outW.Close() }()
	t.Cleanup(func() { p.stop(t) })
	p.call(t, `{"type":"init","node_id":"n1","node_ids":["n1"]}`)
	return p
}

// call sends one request body from client c1 and returns the reply body.
func (p *pipeNode) call(t *testing.T, body string) map[string]any {
	t.Helper()
	p.next++
	var b map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &b))
	b["msg_id"] = p.next
	msg, _ := json.Marshal(map[string]any{"src": "c1", "dest": "n1", "body": b})
	_, err := fmt.Fprintf(p.in, "%s\n", msg)
	require.NoError(t, err)
	require.True(t, p.out.Scan(), "no reply to %s", body)
	var reply struct {
		Body map[string]any `json:"body"`
	}
	require.NoError(t, json.Unmarshal(p.out.Bytes(), &reply))
	return reply.Body
}

func (p *pipeNode) stop(t *testing.T) {
	if p.in == nil {
		return
	}
	p.in.Close()
	go func() {
		for p.out.Scan() {
		}
	}()
	select {
	case err := <-p.done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Error("node did not stop")
	}
	p.in = nil
}

func TestSingleNodeLinKV(t *testing.T) {
	dir := t.TempDir()
	p := startNode(t, dir)
	for _, tc := range []struct{ req, want string }{
		{`{"type":"read","key":1}`, `{"type":"error","code":20}`},
		{`{"type":"cas","key":1,"from":1,"to":2}`, `{"type":"error","code":20}`},
		{`{"type":"write","key":1,"value":1}`, `{"type":"write_ok"}`},
		{`{"type":"read","key":1}`, `{"type":"read_ok","value":1}`},
		{`{"type":"cas","key":1,"from":3,"to":4}`, `{"type":"error","code":22}`},
		{`{"type":"cas","key":1,"from":1,"to":2}`, `{"type":"cas_ok"}`},
		{`{"type":"read","key":1}`, `{"type":"read_ok","value":2}`},
		{`{"type":"read"}`, `{"type":"error","code":12}`},
	} {
		got := p.call(t, tc.req)
		var want map[string]any
		require.NoError(t, json.Unmarshal([]byte(tc.want), &want))
		for k, v := range want {
			assert.Equal(t, v, got[k], "%s: %s in %v", tc.req, k, got)
		}
	}
	p.stop(t)

	// A new process on the same directory replays the log.
	p = startNode(t, dir)
	got := p.call(t, `{"type":"read","key":1}`)
	assert.Equal(t, "read_ok", got["type"], "%v", got)
	assert.Equal(t, 2.0, got["value"])
}

func TestFileStorageReplay(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenFileStorage(dir)
	require.NoError(t, err)
	e := func(i, term uint64) raft.Entry { return raft.Entry{Index: i, Term: term, Data: json.RawMessage(`"x"`)} }
	require.NoError(t, s.Save(&raft.HardState{Term: 1, Vote: "n1"}, []raft.Entry{e(1, 1), e(2, 1), e(3, 1)}))
	// A new leader overwrites from index 2 on.
	require.NoError(t, s.Save(&raft.HardState{Term: 2, Vote: "n2"}, []raft.Entry{e(2, 2)}))
	require.NoError(t, s.Close())

	// A kill in the middle of a write leaves a torn last line.
	f, err := os.OpenFile(filepath.Join(dir, StateFile), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"e":{"term":2,"ind`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	s, err = OpenFileStorage(dir)
	require.NoError(t, err)
	hs, log, err := s.Load()
	require.NoError(t, err)
	assert.Equal(t, raft.HardState{Term: 2, Vote: "n2"}, hs)
	assert.Equal(t, []raft.Entry{e(1, 1), e(2, 2)}, log)
	// The torn line is gone: what is appended next reads back.
	require.NoError(t, s.Save(nil, []raft.Entry{e(3, 2)}))
	require.NoError(t, s.Close())
	s, err = OpenFileStorage(dir)
	require.NoError(t, err)
	_, log, _ = s.Load()
	assert.Equal(t, []raft.Entry{e(1, 1), e(2, 2), e(3, 2)}, log)
	require.NoError(t, s.Close())
}

func TestFileStorageForgetVote(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenFileStorage(dir)
	require.NoError(t, err)
	s.ForgetVote = true
	require.NoError(t, s.Save(&raft.HardState{Term: 3, Vote: "n1"}, []raft.Entry{{Index: 1, Term: 3}}))
	require.NoError(t, s.Close())
	s, err = OpenFileStorage(dir)
	require.NoError(t, err)
	hs, log, _ := s.Load()
	assert.Equal(t, raft.HardState{}, hs, "the bug: term and vote are gone")
	assert.Len(t, log, 1)
	require.NoError(t, s.Close())
}

func TestKVCanonicalValues(t *testing.T) {
	kv := NewKV()
	_, err := kv.Apply(Command{Op: "write", Key: json.RawMessage(`"k"`), Value: json.RawMessage(`{"b":1, "a":2.0}`)})
	require.NoError(t, err)
	_, err = kv.Apply(Command{Op: "cas", Key: json.RawMessage(`"k"`), From: json.RawMessage(`{"a":2,"b":1}`), To: json.RawMessage(`3`)})
	assert.NoError(t, err, "equal JSON values compare equal")
	body, err := kv.Read(json.RawMessage(` "k"`))
	require.NoError(t, err)
	assert.Equal(t, json.RawMessage(`3`), body.(ReadOK).Value)
}
