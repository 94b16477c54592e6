package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/internal/testbin"
)

// The hostile-node suite runs the harness binary, as a user would, on
// nodes that misbehave on purpose (testdata/hostile), and checks what the
// harness promises: a verdict or an error that names the node, within a
// bound on time and memory, and no node process left behind.
//
// testdata/hostile-scenarios holds one `run` per misbehaviour:
//
//	run mode=MODE [nodes=N] [time=S] [rate=R] [init-timeout=S] [count=N] [bytes=N] max-seconds=S max-rss-mb=MB
//
// and expects the exit status, the verdict, the error and the nodes'
// problems, with numbers written N.
func TestHostileNodes(t *testing.T) {
	harness, hostile := testbin.Build(t, "./harness"), testbin.Build(t, "./harness/testdata/hostile")
	datadriven.RunTest(t, "testdata/hostile-scenarios", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "run" {
			d.Fatalf(t, "unknown command %q", d.Cmd)
		}
		arg := func(key, def string) string {
			if d.HasArg(key) {
				var v string
				d.ScanArgs(t, key, &v)
				return v
			}
			return def
		}
		maxSeconds, err := strconv.ParseFloat(arg("max-seconds", ""), 64)
		require.NoError(t, err, "max-seconds")
		maxRSS, err := strconv.Atoi(arg("max-rss-mb", ""))
		require.NoError(t, err, "max-rss-mb")
		store := t.TempDir()
		args := []string{"test", "-w", "echo", "--bin", hostile, "--store", store,
			"--node-count", arg("nodes", "1"), "--time-limit", arg("time", "1"), "--rate", arg("rate", "20"),
			"--init-timeout", arg("init-timeout", "10"),
			"--", "-mode", arg("mode", ""), "-count", arg("count", "1000"), "-bytes", arg("bytes", "1000")}
		h := startHarness(t, harness, args...)
		code, elapsed, rssMB := h.wait(t)
		t.Logf("%s: exit %d in %.1f s, peak RSS %d MB", arg("mode", ""), code, elapsed.Seconds(), rssMB)
		assert.LessOrEqual(t, elapsed.Seconds(), maxSeconds, "run time")
		assert.LessOrEqual(t, rssMB, maxRSS, "peak memory of the harness (MB)")
		h.assertNoNodeLeft(t)
		return fmt.Sprintf("exit %d\n%s", code, describeStore(t, store))
	})
}

// describeStore prints the parts of the run's results.json a scenario
// pins, numbers replaced by N.
func describeStore(t *testing.T, store string) string {
	b, err := os.ReadFile(filepath.Join(store, "latest", "results.json"))
	require.NoError(t, err)
	var res struct {
		Valid any    `json:"valid?"`
		Error string `json:"error"`
		Net   struct {
			Undeliverable int `json:"undeliverable-count"`
		} `json:"net"`
		Nodes struct {
			Problems []string `json:"problems"`
		} `json:"nodes"`
		Interrupted bool `json:"interrupted"`
	}
	require.NoError(t, json.Unmarshal(b, &res))
	var out strings.Builder
	fmt.Fprintf(&out, "valid? %v\n", res.Valid)
	if res.Error != "" {
		fmt.Fprintf(&out, "error: %s\n", numbers(res.Error))
	}
	if res.Net.Undeliverable >= 1000 { // a flood's worth, not a storm's tail
		out.WriteString("many messages undeliverable\n")
	}
	for _, p := range res.Nodes.Problems {
		fmt.Fprintf(&out, "%s\n", numbers(p))
	}
	if res.Interrupted {
		out.WriteString("interrupted\n")
	}
	return out.String()
}

var number = regexp.MustCompile(`\b\d+([.,]\d+)*`)

func numbers(s string) string {
	// Keep the first line only: samples of bad lines are long.
	s, _, _ = strings.Cut(s, "\n")
	return number.ReplaceAllString(s, "N")
}

// harnessRun is the harness binary running as a child of the test, its
// node processes leaving their pids in pids.
type harnessRun struct {
	cmd    *exec.Cmd
	pids   string
	start  time.Time
	stdout bytes.Buffer
	stderr bytes.Buffer
}

func startHarness(t *testing.T, harness string, args ...string) *harnessRun {
	t.Helper()
	h := &harnessRun{pids: t.TempDir()}
	h.cmd = exec.Command(harness, args...)
	h.cmd.Env = append(os.Environ(), "HOSTILE_PID_DIR="+h.pids)
	h.cmd.Stdout, h.cmd.Stderr = &h.stdout, &h.stderr
	h.start = time.Now()
	require.NoError(t, h.cmd.Start())
	t.Cleanup(func() {
		if h.cmd.ProcessState == nil {
			h.cmd.Process.Kill()
			h.cmd.Wait()
		}
	})
	return h
}

// wait waits (at most a minute) for the harness and returns its exit
// status, how long it ran, and its peak resident memory in MB.
func (h *harnessRun) wait(t *testing.T) (code int, elapsed time.Duration, rssMB int) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		h.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		h.cmd.Process.Signal(syscall.SIGQUIT) // a goroutine dump on stderr
		<-done
		t.Fatalf("the harness hung; stderr:\n%s", h.stderr.String())
	}
	elapsed = time.Since(h.start)
	if t.Failed() || testing.Verbose() {
		t.Logf("stdout:\n%s\nstderr:\n%s", h.stdout.String(), h.stderr.String())
	}
	ru, _ := h.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru != nil {
		rssMB = int(ru.Maxrss / 1024) // kilobytes on Linux
	}
	return h.cmd.ProcessState.ExitCode(), elapsed, rssMB
}

// nodePids waits until n node processes have started and returns them.
func (h *harnessRun) nodePids(t *testing.T, n int) []int {
	t.Helper()
	var pids []int
	require.Eventually(t, func() bool {
		pids = pids[:0]
		entries, _ := os.ReadDir(h.pids)
		for _, e := range entries {
			if pid, err := strconv.Atoi(e.Name()); err == nil {
				pids = append(pids, pid)
			}
		}
		return len(pids) >= n
	}, 10*time.Second, 20*time.Millisecond, "node processes did not start")
	return pids
}

// assertNoNodeLeft checks that every node process the run started is gone
// (a zombie waiting for init to reap it counts as gone).
func (h *harnessRun) assertNoNodeLeft(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(h.pids)
	require.NoError(t, err)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue // a marker such as "flooded"
		}
		assert.Eventually(t, func() bool { return !alive(pid) }, 2*time.Second, 20*time.Millisecond, "node process %d outlived the harness", pid)
	}
}

func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: ask the kernel
	}
	// Fields: pid (comm) state ...; comm may hold spaces, so look after ')'.
	s := string(stat)
	rest := s[strings.LastIndexByte(s, ')')+1:]
	fields := strings.Fields(rest)
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

func TestCtrlCEndsAFloodedRunAtOnceAndKeepsTheHistory(t *testing.T) {
	harness, hostile := testbin.Build(t, "./harness"), testbin.Build(t, "./harness/testdata/hostile")
	store := t.TempDir()
	h := startHarness(t, harness, "test", "-w", "echo", "--bin", hostile, "--store", store,
		"--node-count", "2", "--time-limit", "60", "--rate", "20", "--", "-mode", "flood", "-count", "10000000")
	h.nodePids(t, 2)
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(h.pids, "flooded"))
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "n1 has not written 48 MB to n0, which stopped reading")
	sent := time.Now()
	require.NoError(t, h.cmd.Process.Signal(os.Interrupt))
	code, _, _ := h.wait(t)
	took := time.Since(sent)
	t.Logf("Ctrl-C to exit: %v", took)
	assert.Less(t, took, 5*time.Second, "the issue's bound; the aim is 2 s")
	assert.Equal(t, 2, code)
	assert.Contains(t, h.stderr.String(), "stopping the test")
	h.assertNoNodeLeft(t)
	assert.FileExists(t, filepath.Join(store, "latest", "history.jsonl"))
	got := describeStore(t, store)
	assert.True(t, strings.HasPrefix(got, "valid? unknown\nerror: the test was interrupted before it finished: the history so far is in the store, unchecked\n"), got)
	assert.Contains(t, got, "\nn0 stopped reading its input at N s; N messages to it were dropped\n")
	assert.NotContains(t, got, "n1", "what n1 wrote as it was killed is not held against it")
	assert.True(t, strings.HasSuffix(got, "\ninterrupted\n"), got)
}

func TestNodesDieWithAKilledHarness(t *testing.T) {
	harness, hostile := testbin.Build(t, "./harness"), testbin.Build(t, "./harness/testdata/hostile")
	h := startHarness(t, harness, "test", "-w", "echo", "--bin", hostile, "--store", t.TempDir(),
		"--node-count", "2", "--time-limit", "60", "--", "-mode", "stall")
	h.nodePids(t, 2)
	require.NoError(t, h.cmd.Process.Kill())
	h.wait(t)
	h.assertNoNodeLeft(t)
}

func TestSecondSignalQuitsAtOnce(t *testing.T) {
	cancelled := make(chan struct{})
	exited := make(chan int, 1)
	var stderr syncBuffer
	h := handleSignals(func() { close(cancelled) }, nil, &stderr, func(code int) { exited <- code }, interruptGrace)
	defer h.stop()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	select {
	case <-cancelled:
	case <-time.After(2 * time.Second):
		t.Fatal("the first signal did not cancel the test")
	}
	select {
	case <-exited:
		t.Fatal("exited on the first signal")
	case <-time.After(50 * time.Millisecond):
	}
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case code := <-exited:
		assert.Equal(t, 2, code)
	case <-time.After(time.Second):
		t.Fatal("the second signal did not quit")
	}
	assert.Contains(t, stderr.String(), "second interrupt")
}

// TestGraceEndsOnceTheNodesAreStopped: the grace after Ctrl-C guards
// against nodes that will not stop, not against writing the files; once
// the run says its nodes are stopped, only a second signal quits.
func TestGraceEndsOnceTheNodesAreStopped(t *testing.T) {
	const grace = 50 * time.Millisecond
	for _, settle := range []bool{false, true} {
		cancelled := make(chan struct{})
		exited := make(chan int, 1)
		var stderr syncBuffer
		h := handleSignals(func() { close(cancelled) }, nil, &stderr, func(code int) { exited <- code }, grace)
		require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
		<-cancelled
		if settle {
			h.settled()
		}
		select {
		case <-exited:
			assert.False(t, settle, "quit after the nodes were stopped")
		case <-time.After(grace + 500*time.Millisecond):
			assert.True(t, settle, "did not quit when the grace passed with nodes still running")
		}
		h.stop()
	}
}

// syncBuffer is a bytes.Buffer safe for the signal goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
