package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

func TestEchoHandler(t *testing.T) {
	in := strings.NewReader(strings.Join([]string{
		`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}`,
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2,"echo":"Please echo 35"}}`,
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":3,"echo":{"any":["json",1,null]}}}`,
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":4}}`,
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":5,"echo":null}}`,
	}, "\n"))
	var out strings.Builder
	n := node.NewNodeIO(in, &out)
	Register(n)
	require.NoError(t, n.Run())
	replies := map[int]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m struct {
			Body map[string]any `json:"body"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		replies[int(m.Body["in_reply_to"].(float64))] = m.Body
	}
	assert.Equal(t, map[string]any{"type": "echo_ok", "in_reply_to": 2.0, "echo": "Please echo 35"}, replies[2])
	assert.Equal(t, map[string]any{"any": []any{"json", 1.0, nil}}, replies[3]["echo"])
	assert.Equal(t, "error", replies[4]["type"])
	assert.EqualValues(t, node.MalformedRequest, replies[4]["code"])
	assert.Equal(t, "echo_ok", replies[5]["type"], "null is a value to echo")
}

// process is a node program running as a child process.
type process struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan map[string]any
}

// buildBinary compiles the package in the current directory.
func buildBinary(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

func startProcess(t *testing.T, bin string) *process {
	t.Helper()
	cmd := exec.Command(bin)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &process{t: t, cmd: cmd, stdin: stdin, lines: make(chan map[string]any, 64)}
	go func() {
		defer close(p.lines)
		r := bufio.NewReaderSize(stdout, 1<<20)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				var m map[string]any
				if json.Unmarshal(line, &m) != nil {
					m = map[string]any{"not-json": string(line)}
				}
				p.lines <- m
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return p
}

func (p *process) send(line string) {
	p.t.Helper()
	_, err := io.WriteString(p.stdin, line+"\n")
	require.NoError(p.t, err, "the node's stdin is closed: did it die?")
}

func (p *process) recv() map[string]any {
	p.t.Helper()
	select {
	case m, ok := <-p.lines:
		require.True(p.t, ok, "the node's stdout closed: it died")
		require.NotContains(p.t, m, "not-json")
		return m
	case <-time.After(10 * time.Second):
		p.t.Fatal("no reply from the node")
		return nil
	}
}

func bodyOf(m map[string]any) map[string]any {
	b, _ := m["body"].(map[string]any)
	return b
}

func echoReq(id int, payload string) string {
	return fmt.Sprintf(`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":%d,"echo":%q}}`, id, payload)
}

// TestEchoProcessSurvivesGarbage is the acceptance test: init, then
// garbage of every kind piped into the real binary, which must stay alive
// and answer each request with the right code.
func TestEchoProcessSurvivesGarbage(t *testing.T) {
	p := startProcess(t, buildBinary(t, "echo"))

	// Before init: temporarily unavailable.
	p.send(echoReq(1, "too early"))
	m := bodyOf(p.recv())
	assert.Equal(t, "error", m["type"])
	assert.EqualValues(t, node.TemporarilyUnavailable, m["code"])
	assert.EqualValues(t, 1, m["in_reply_to"])

	p.send(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":2,"node_id":"n1","node_ids":["n1"]}}`)
	m = bodyOf(p.recv())
	assert.Equal(t, map[string]any{"type": "init_ok", "in_reply_to": 2.0}, m)

	// Requests that get an error code.
	answered := []struct {
		line string
		id   int
		code int
	}{
		{`{"src":"c1","dest":"n1","body":{"type":"frobnicate","msg_id":3}}`, 3, node.NotSupported},
		{`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":4}}`, 4, node.MalformedRequest},
		{`{"src":"c1","dest":"n1","body":{"type":7,"msg_id":5}}`, 5, node.MalformedRequest},
		{`{"src":"c1","dest":"n1","body":{"type":["echo"],"msg_id":6,"echo":"x"}}`, 6, node.MalformedRequest},
		{`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":7,"echo":"x","extra":{"deep":[[[]]]}}}`, 7, -1},
		{`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":8,"node_id":42}}`, 8, node.MalformedRequest},
		{`{"src":"c1","dest":"n1","body":"not an object"}`, -1, 0},
		{`this is not JSON`, -1, 0},
		{`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":9,"echo":"x"}`, -1, 0},
		{`{"src":"c1","dest":"n1","body":{"msg_id":10,"echo":"no type"}}`, -1, 0},
		{`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":"11","echo":"x"}}`, -1, 0},
		{`{"src":"lin-kv","dest":"n1","body":{"type":"read_ok","in_reply_to":12345,"value":1}}`, -1, 0},
		{"\x00\x01\x02\xff\xfe", -1, 0},
		{`[]`, -1, 0},
	}
	for _, c := range answered {
		p.send(c.line)
		if c.id < 0 {
			continue // skipped: the next reply must be for the next request
		}
		m := bodyOf(p.recv())
		require.EqualValues(t, c.id, m["in_reply_to"], "reply %v to %s", m, c.line)
		if c.code < 0 {
			assert.Equal(t, "echo_ok", m["type"])
			continue
		}
		assert.Equal(t, "error", m["type"], c.line)
		assert.EqualValues(t, c.code, m["code"], c.line)
	}

	// A 10 MiB line of garbage is skipped; a 10 MiB echo is answered.
	p.send("{" + strings.Repeat("garbage", 10<<20/7))
	big := strings.Repeat("e", 10<<20)
	p.send(echoReq(20, big))
	m = bodyOf(p.recv())
	assert.EqualValues(t, 20, m["in_reply_to"])
	assert.Equal(t, len(big), len(m["echo"].(string)))

	p.send(echoReq(21, "still here"))
	m = bodyOf(p.recv())
	assert.Equal(t, map[string]any{"type": "echo_ok", "in_reply_to": 21.0, "echo": "still here"}, m)

	// EOF ends the node cleanly.
	require.NoError(t, p.stdin.Close())
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("node did not exit at EOF")
	}
}
