package node_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

func TestContextEndsWithInput(t *testing.T) {
	s := startNode(t, nil)
	ctx := s.n.Context()
	assert.Same(t, ctx, s.n.Context(), "one context per node")
	s.init()
	require.NoError(t, ctx.Err())
	require.NoError(t, s.close())
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("context not cancelled at EOF")
	}
}

// signalHelperEnv makes the test binary act as a node program that uses
// Context (see TestContextOnSignal).
const signalHelperEnv = "NODE_TEST_SIGNAL_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(signalHelperEnv) == "1" {
		n := node.NewNode()
		ctx := n.Context()
		n.Handle("echo", func(msg node.Message) error {
			return n.Reply(msg, map[string]any{"type": "echo_ok"})
		})
		go func() { <-ctx.Done(); select {} }() // a background loop stopping
		err := n.Run()
		fmt.Fprintln(os.Stderr, "Run returned:", err)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// On SIGTERM the context ends, output is flushed, and the process dies of
// the signal as it would have without the helper.
func TestContextOnSignal(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), signalHelperEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()
	_, err = stdin.Write([]byte(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}` + "\n"))
	require.NoError(t, err)
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, line, "init_ok")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err = cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "%v", err)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	assert.True(t, ws.Signaled() && ws.Signal() == syscall.SIGTERM, "died of %v", err)
}
