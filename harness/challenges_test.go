package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/internal/testbin"
)

// TestChallengesScript runs scripts/challenges.sh on a subset: challenge 1
// with a freshly built echo node and harness, and challenge 2 with no
// unique-ids program, which must be a SKIP row. Everything goes to a
// temporary store.
func TestChallengesScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	if testing.Short() {
		t.Skip("runs a 5 s test")
	}
	root := testbin.Root(t)
	harness := testbin.Build(t, "./harness")
	echo := testbin.Build(t, "./echo")
	bins := t.TempDir()
	require.NoError(t, os.Symlink(echo, filepath.Join(bins, "echo")))
	store := t.TempDir()

	cmd := exec.Command("bash", filepath.Join(root, "scripts", "challenges.sh"), "--no-build", "--quick", "1", "2")
	cmd.Env = append(os.Environ(), "BIN_DIR="+bins, "HARNESS="+harness, "STORE="+store, "MAELSTROM=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	assert.Regexp(t, regexp.MustCompile(`(?m)^1 +true +0 +[0-9.]+ / [0-9.]+ +1 +`+regexp.QuoteMeta(store)+`/echo/`), s)
	assert.Regexp(t, regexp.MustCompile(`(?m)^2 +SKIP .*no `+regexp.QuoteMeta(bins)+`/unique-ids yet$`), s)
	assert.Contains(t, s, "Gossip Glomers challenges on harness, --quick")
	tables, err := filepath.Glob(filepath.Join(store, "challenges", "*", "table.txt"))
	require.NoError(t, err)
	require.Len(t, tables, 1)
	table, err := os.ReadFile(tables[0])
	require.NoError(t, err)
	assert.True(t, strings.Contains(s, string(table)), "table.txt is the printed table")

	// A filter that matches nothing is a usage error.
	cmd = exec.Command("bash", filepath.Join(root, "scripts", "challenges.sh"), "--no-build", "9z")
	cmd.Env = append(os.Environ(), "BIN_DIR="+bins, "HARNESS="+harness, "STORE="+store, "MAELSTROM=")
	out, err = cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	assert.Equal(t, 2, ee.ExitCode())
	assert.Contains(t, string(out), "no challenge matches 9z")
}
