package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"glomers/internal/testbin"
)

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := realMain(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestExitStatuses(t *testing.T) {
	echo := testbin.Build(t, "./echo")
	store := t.TempDir()

	code, out, _ := runCLI("test", "-w", "echo", "--bin", echo, "--node-count", "1", "--time-limit", "1", "--rate", "20", "--store", store)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "Everything looks good! ヽ(‘ー`)ノ")

	code, _, errOut := runCLI("test", "-w", "echo", "--bin", echo, "--bogus")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "unknown option --bogus")

	code, _, errOut = runCLI("test", "-w", "echo", "--bin", store+"/missing")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "not an executable file")

	code, _, errOut = runCLI("test", "-w", "no-such-workload", "--bin", echo)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "unknown workload")

	code, _, _ = runCLI("frobnicate")
	assert.Equal(t, 2, code)
	code, _, _ = runCLI()
	assert.Equal(t, 2, code)
}

func TestSilentNodeIsAnErrorNamingIt(t *testing.T) {
	silent := testbin.Script(t, "silent", "exec cat >/dev/null\n")
	code, _, errOut := runCLI("test", "-w", "echo", "--bin", silent, "--node-count", "2", "--init-timeout", "0.3", "--store", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "expected node n1 to respond to an init message")
}

func TestMemoryLimitFollowsLiveHeap(t *testing.T) {
	if got := memoryLimitFor(0); got != heapFloor {
		t.Errorf("empty heap: limit %d, want the floor %d", got, heapFloor)
	}
	if got := memoryLimitFor(heapFloor / 2); got != heapFloor {
		t.Errorf("small live heap: limit %d, want the floor %d", got, heapFloor)
	}
	if got, want := memoryLimitFor(200<<20), int64(300<<20); got != want {
		t.Errorf("200 MB live: limit %d, want half again (%d)", got, want)
	}
}
