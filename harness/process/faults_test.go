package process

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/netsim"
)

// pongNode answers every input line with one pong to c0.
const pongNode = `while IFS= read -r line; do
  echo '{"src":"n0","dest":"c0","body":{"type":"pong"}}'
done`

// TestPausedNodeLosesNoInput: far more than the input bound queues up
// while the node is paused, and all of it arrives once it resumes.
func TestPausedNodeLosesNoInput(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	pongs := make(chan struct{}, 1000)
	net.Add("c0", netsim.ReceiverFunc(func(netsim.Message) { pongs <- struct{}{} }))
	n, err := Start(Options{ID: "n0", Bin: script(t, pongNode), Net: net, InputQueueLimit: 2 << 10})
	require.NoError(t, err)
	defer n.Stop()
	require.NoError(t, n.Pause())
	const sent = 300 // 300 * (100 + overhead) bytes: many times the bound
	ping := json.RawMessage(`{"type":"ping","pad":"` + strings.Repeat("x", 80) + `"}`)
	for range sent {
		net.Send("c0", "n0", ping)
	}
	select {
	case <-pongs:
		t.Fatal("a paused node answered")
	case <-time.After(100 * time.Millisecond):
	}
	require.NoError(t, n.Resume())
	for i := range sent {
		select {
		case <-pongs:
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of %d pongs after the resume", i, sent)
		}
	}
	assert.Zero(t, n.Report().InputDropped)
}

// TestCrashIsNoExit: a node the nemesis killed is not reported as a node
// that exited, and it keeps its network address.
func TestCrashIsNoExit(t *testing.T) {
	net := netsim.New(netsim.Config{})
	defer net.Close()
	net.Add("c0", netsim.ReceiverFunc(func(netsim.Message) {}))
	n, err := Start(Options{ID: "n0", Bin: script(t, pongNode), Net: net})
	require.NoError(t, err)
	net.SetDown("n0", true)
	rep := n.Crash()
	assert.False(t, rep.Exited)
	assert.True(t, rep.OK(), "%+v", rep)
	assert.Equal(t, ErrNotRunning, n.Pause())
	assert.True(t, net.Send("c0", "n0", json.RawMessage(`{"type":"ping"}`)), "the address stays known while down")
}

// TestLineCutShortByAKillIsNoGarbage: the last line a node was writing
// when the nemesis killed it is half a line; that is the kill's doing, not
// the node's. The complete line before it is still sent, and a node that
// ends on its own with half a line is still charged with it.
func TestLineCutShortByAKillIsNoGarbage(t *testing.T) {
	const lines = `printf '{"src":"n0","dest":"c0","body":{"type":"pong"}}\n{"src":"n0","dest":"c0","bo'`
	for _, tc := range []struct {
		name, then string
		garbage    int
	}{
		{"killed", "; exec sleep 60", 0},
		{"exited", "; exit 0", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := netsim.New(netsim.Config{})
			defer net.Close()
			pongs := make(chan struct{}, 1)
			net.Add("c0", netsim.ReceiverFunc(func(netsim.Message) { pongs <- struct{}{} }))
			n, err := Start(Options{ID: "n0", Bin: script(t, lines+tc.then), Net: net})
			require.NoError(t, err)
			select {
			case <-pongs:
			case <-time.After(5 * time.Second):
				t.Fatal("the complete line was not sent")
			}
			var rep Report
			if tc.garbage == 0 {
				net.SetDown("n0", true)
				rep = n.Crash()
			} else {
				<-n.Exited()
				<-n.drained
				rep = n.Report()
				n.Stop()
			}
			assert.Equal(t, tc.garbage, rep.GarbageCount, "%+v", rep)
		})
	}
}
