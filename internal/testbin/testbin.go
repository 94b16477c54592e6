// Package testbin builds the project's programs for tests that run them as
// real processes: each package is built at most once per test binary, into
// one temporary directory (left for the OS to clean: Go has no exit hook).
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	built = map[string]string{}
	dir   string
)

// Root returns the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatal("not inside the module")
	}
	return filepath.Dir(mod)
}

// Build compiles the main package at pkg (relative to the repository root,
// e.g. "./echo") and returns the binary's path.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if p, ok := built[pkg]; ok {
		return p
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "glomers-bin-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	out := filepath.Join(dir, strings.NewReplacer("/", "_", ".", "_").Replace(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = Root(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	built[pkg] = out
	return out
}

// Script writes an executable shell script (for deliberately broken nodes)
// and returns its path.
func Script(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// MaelstromRuns is the directory of real Maelstrom store directories that
// sits beside the repository (../shared/maelstrom-runs); the test is
// skipped when it is absent.
func MaelstromRuns(t testing.TB) string {
	t.Helper()
	runs := filepath.Join(Root(t), "..", "shared", "maelstrom-runs")
	if _, err := os.Stat(runs); err != nil {
		t.Skipf("real Maelstrom runs not found at %s: %v", runs, err)
	}
	return runs
}
