package process

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/netsim"
)

func TestParseLine(t *testing.T) {
	src, dest, body, err := parseLine([]byte(`{"src":"n0","dest":"c1","body":{"type":"echo_ok"}}`))
	require.NoError(t, err)
	assert.Equal(t, "n0", src)
	assert.Equal(t, "c1", dest)
	assert.JSONEq(t, `{"type":"echo_ok"}`, string(body))

	for _, bad := range []string{
		`hello`,
		`{"src":"n0","body":{}}`,
		`{"src":1,"dest":"c1","body":{}}`,
		`{"src":"n0","dest":"c1","body":[1]}`,
		`{"src":"n0","dest":"c1"}`,
		`[]`,
	} {
		_, _, _, err := parseLine([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func script(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "node.sh")
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755))
	return p
}

func TestNodeTalksThroughTheNetworkAndReportsGarbage(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	got := make(chan netsim.Message, 10)
	net.Add("c0", netsim.ReceiverFunc(func(m netsim.Message) { got <- m }))
	// Replies to every line with a fixed message, after a line of garbage.
	bin := script(t, `while IFS= read -r line; do
  echo "not a message"
  echo '{"src":"n0","dest":"c0","body":{"type":"pong"}}'
  echo "stderr line" >&2
done`)
	n, err := Start(Options{ID: "n0", Bin: bin, Net: net, StderrPath: filepath.Join(t.TempDir(), "n0.log")})
	require.NoError(t, err)
	net.Send("c0", "n0", json.RawMessage(`{"type":"ping"}`))
	select {
	case m := <-got:
		assert.JSONEq(t, `{"type":"pong"}`, string(m.Body))
	case <-time.After(5 * time.Second):
		t.Fatal("no reply")
	}
	rep := n.Stop()
	assert.False(t, rep.Exited, "the harness stopped it")
	assert.Equal(t, 1, rep.GarbageCount)
	assert.Contains(t, rep.GarbageSample[0], "not a message")
	assert.False(t, rep.OK())
	log, err := os.ReadFile(rep.StderrPath)
	require.NoError(t, err)
	assert.Contains(t, string(log), "stderr line")
}

func TestEarlyExitIsReported(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	n, err := Start(Options{ID: "n0", Bin: script(t, "echo bye >&2; exit 7\n"), Net: net})
	require.NoError(t, err)
	<-n.Exited()
	rep := n.Stop()
	assert.True(t, rep.Exited)
	assert.Contains(t, rep.ExitStatus, "7")
	assert.Equal(t, []string{"bye"}, rep.StderrTail)
}

func TestStopKillsANodeThatIgnoresEOF(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	n, err := Start(Options{ID: "n0", Bin: script(t, "trap '' TERM; sleep 60\n"), Net: net})
	require.NoError(t, err)
	start := time.Now()
	rep := n.Stop()
	assert.False(t, rep.Exited)
	assert.Less(t, time.Since(start), 3*time.Second)
}

func TestMissingBinary(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	_, err := Start(Options{ID: "n0", Bin: filepath.Join(t.TempDir(), "nope"), Net: net})
	assert.Error(t, err)
}
