package process

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
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
	// Stop kills at once, as Maelstrom's stop-node! does: let the stderr
	// line arrive first.
	require.Eventually(t, func() bool { return len(n.Report().StderrTail) > 0 }, 5*time.Second, 10*time.Millisecond)
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

func TestStopDoesNotWaitOnANodeThatStoppedReading(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	net.Add("c0", netsim.ReceiverFunc(func(netsim.Message) {}))
	// Never reads stdin: the harness's writes to it block once the pipe is full.
	n, err := Start(Options{ID: "n0", Bin: script(t, "exec sleep 60\n"), Net: net, InputQueueLimit: 1 << 20})
	require.NoError(t, err)
	body := json.RawMessage(`{"type":"flood","pad":"` + strings.Repeat("x", 1000) + `"}`)
	for range 20000 { // 20 MB: far past the pipe and the 1 MB queue
		net.Send("c0", "n0", body)
	}
	start := time.Now()
	rep := n.Stop()
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Greater(t, rep.InputDropped, int64(15000))
	require.NotNil(t, rep.StoppedReadingAt)
	assert.False(t, rep.OK())
	require.NotEmpty(t, rep.Problems)
	assert.Regexp(t, `^n0 stopped reading its input at \d+\.\d s; \d{2},\d{3} messages to it were dropped$`, rep.Problems[0])
}

func TestEchoedInputIsDroppedAndNamed(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	var got atomic.Int64
	net.Add("c0", netsim.ReceiverFunc(func(netsim.Message) { got.Add(1) }))
	n, err := Start(Options{ID: "n0", Bin: script(t, "exec cat\n"), Net: net})
	require.NoError(t, err)
	net.Send("c0", "n0", json.RawMessage(`{"type":"init","msg_id":1}`))
	select {
	case <-n.Misbehaved():
	case <-time.After(5 * time.Second):
		t.Fatal("the echo was not noticed")
	}
	rep := n.Stop()
	assert.EqualValues(t, 0, got.Load(), "nothing reached c0")
	assert.Equal(t, 1, rep.WrongSrcCount, "the echo was not sent back to n0 again")
	require.Len(t, rep.Problems, 1)
	assert.Contains(t, rep.Problems[0], "n0 wrote back a message it was sent, from c0 to itself")
	assert.Contains(t, rep.Problems[0], "as `cat` would")
}

func TestWrongSrcIsNamed(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	net.Add("c0", netsim.ReceiverFunc(func(netsim.Message) {}))
	n, err := Start(Options{ID: "n0", Bin: script(t, `echo '{"src":"n1","dest":"c0","body":{"type":"x"}}'; exec sleep 60`), Net: net})
	require.NoError(t, err)
	<-n.Misbehaved()
	rep := n.Stop()
	require.Len(t, rep.Problems, 1)
	assert.Contains(t, rep.Problems[0], `n0 sent messages with src "n1" instead of its own id "n0", and no node, client or service has that id`)
}

// A node may send under another known party's src, as Maelstrom allows:
// its raft.py forwards a client's request to the leader under the client's
// src so that the leader answers the client directly.
func TestForwardingUnderAKnownSrcIsDelivered(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	got := make(chan netsim.Message, 1)
	net.Add("c0", netsim.ReceiverFunc(func(netsim.Message) {}))
	net.Add("n1", netsim.ReceiverFunc(func(m netsim.Message) { got <- m }))
	n, err := Start(Options{ID: "n0", Bin: script(t, `echo '{"src":"c0","dest":"n1","body":{"type":"write","msg_id":7}}'; exec sleep 60`), Net: net})
	require.NoError(t, err)
	select {
	case m := <-got:
		assert.Equal(t, "c0", m.Src)
	case <-time.After(5 * time.Second):
		t.Fatal("the forwarded message was not delivered")
	}
	rep := n.Stop()
	assert.Zero(t, rep.WrongSrcCount)
	assert.Empty(t, rep.Problems)
}

func TestClosedStdoutIsNamed(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	n, err := Start(Options{ID: "n0", Bin: script(t, "exec sleep 60 >&-\n"), Net: net})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return n.Report().StdoutClosedAt != nil }, 5*time.Second, 50*time.Millisecond)
	rep := n.Stop()
	assert.False(t, rep.Exited)
	require.Len(t, rep.Problems, 1)
	assert.Contains(t, rep.Problems[0], "n0 closed its stdout at")
}

func TestOverlongLineIsSkippedAsGarbage(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	got := make(chan netsim.Message, 1)
	net.Add("c0", netsim.ReceiverFunc(func(m netsim.Message) { got <- m }))
	// A 3 MB line, then a good message.
	n, err := Start(Options{ID: "n0", Net: net, MaxLineBytes: 1 << 20, Bin: script(t,
		`head -c 3000000 /dev/zero | tr '\0' x; echo; echo '{"src":"n0","dest":"c0","body":{"type":"ok"}}'; exec sleep 60`)})
	require.NoError(t, err)
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the message after the long line was lost")
	}
	rep := n.Stop()
	assert.Equal(t, 1, rep.GarbageCount)
	assert.Contains(t, rep.GarbageSample[0], "a line of 3000001 bytes")
}

func TestExitIsSeenWhileAChildHoldsThePipes(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	// The child (in the node's process group) keeps stdout and stderr open.
	n, err := Start(Options{ID: "n0", Bin: script(t, "sleep 60 &\necho bye >&2\nexit 4\n"), Net: net})
	require.NoError(t, err)
	select {
	case <-n.Exited():
	case <-time.After(3 * time.Second):
		t.Fatal("exit not seen")
	}
	start := time.Now()
	rep := n.Stop()
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.True(t, rep.Exited)
	assert.Contains(t, rep.ExitStatus, "4")
	assert.Equal(t, []string{"bye"}, rep.StderrTail)
}

func TestGroupKillsEveryNode(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	var g Group
	var nodes []*Node
	for _, id := range []string{"n0", "n1"} {
		n, err := Start(Options{ID: id, Bin: script(t, "trap '' TERM INT; exec sleep 60\n"), Net: net, Group: &g})
		require.NoError(t, err)
		nodes = append(nodes, n)
	}
	assert.Equal(t, 2, g.Len())
	g.KillAll()
	for _, n := range nodes {
		select {
		case <-n.Exited():
		case <-time.After(3 * time.Second):
			t.Fatal("not killed")
		}
	}
	require.Eventually(t, func() bool { return g.Len() == 0 }, time.Second, 10*time.Millisecond)
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 184000: "184,000", 1234567: "1,234,567", -1500: "-1,500"} {
		assert.Equal(t, want, thousands(n))
	}
}

// TestStopClosesPipesHeldOutsideTheGroup: a child that left the node's
// process group (setsid) survives the group kill and keeps the pipes
// open; Stop closes its own read ends rather than wait for it.
func TestStopClosesPipesHeldOutsideTheGroup(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	net := netsim.New(netsim.Config{})
	defer net.Close()
	pidFile := filepath.Join(t.TempDir(), "child")
	n, err := Start(Options{ID: "n0", Bin: script(t, "setsid sleep 60 &\necho $! > "+pidFile+"\necho bye >&2\nexit 4\n"), Net: net})
	require.NoError(t, err)
	var child int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidFile)
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && child > 0
	}, 5*time.Second, 10*time.Millisecond)
	defer syscall.Kill(child, syscall.SIGKILL)
	<-n.Exited()
	start := time.Now()
	rep := n.Stop()
	assert.Less(t, time.Since(start), 4*stopGrace, "Stop's waits are bounded")
	assert.True(t, rep.Exited)
	assert.Contains(t, rep.ExitStatus, "4")
	assert.Equal(t, []string{"bye"}, rep.StderrTail)
	assert.NoError(t, syscall.Kill(child, 0), "the child outside the group outlived the kill, so the pipes were held")
}

// Messages to a node reach its stdin whole and in order, however many
// queue and however large (larger than a pipe holds, mixed with small
// ones), whether written at once by the sender or later by the mailbox.
func TestInputReachesStdinWholeAndInOrder(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	net.Add("c0", netsim.ReceiverFunc(func(netsim.Message) {}))
	out := filepath.Join(t.TempDir(), "stdin.jsonl")
	bin := script(t, `cat > "$OUT"`)
	n, err := Start(Options{ID: "n0", Bin: bin, Net: net, Env: []string{"OUT=" + out}})
	require.NoError(t, err)
	const count = 300
	big := strings.Repeat("x", 200<<10)
	for i := 0; i < count; i++ {
		pad := "y"
		if i%10 == 3 {
			pad = big
		}
		require.True(t, net.Send("c0", "n0", json.RawMessage(`{"type":"t","i":`+strconv.Itoa(i)+`,"pad":"`+pad+`"}`)))
	}
	var lines []string
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		lines = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		return len(lines) == count
	}, 10*time.Second, 10*time.Millisecond)
	rep := n.Stop()
	assert.True(t, rep.OK(), "%+v", rep)
	for i, line := range lines {
		var m struct {
			Src  string `json:"src"`
			Body struct {
				I   int    `json:"i"`
				Pad string `json:"pad"`
			} `json:"body"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m), "line %d", i)
		require.Equal(t, i, m.Body.I)
		require.Equal(t, "c0", m.Src)
		if i%10 == 3 {
			require.Len(t, m.Body.Pad, len(big))
		}
	}
}
