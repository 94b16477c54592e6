// Package scenario drives checker tests from readable files, in the shape
// of etcd raft's testdata scenarios: a hand-made history in
// testdata/NAME.jsonl, the expected analysis beside it in
// testdata/NAME.expected.json. `go test -update` rewrites the expected
// files from what the checker now says (review the diff before committing).
package scenario

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
)

var update = flag.Bool("update", false, "rewrite testdata/*.expected.json from the checker's output")

// ReadHistory reads a JSON-lines history file, gzipped if its name ends
// in .gz (as the converted copies of large real runs are).
func ReadHistory(t testing.TB, path string) history.History {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		require.NoError(t, err)
		r = zr
	}
	h, err := history.ReadJSONLines(r)
	require.NoError(t, err)
	return h
}

// Each runs fn as a subtest for every history file matching glob (at
// least one must match), named after the file, with the history and the
// path of its expected-results file.
func Each(t *testing.T, glob string, fn func(t *testing.T, name string, h history.History, expected string)) {
	t.Helper()
	files, err := filepath.Glob(glob)
	require.NoError(t, err)
	require.NotEmpty(t, files, "no scenarios match %s", glob)
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		t.Run(name, func(t *testing.T) {
			fn(t, name, ReadHistory(t, path), strings.TrimSuffix(path, ".jsonl")+".expected.json")
		})
	}
}

// ExpectJSON compares got, as JSON, with the expected file (rewriting the
// file first under -update).
func ExpectJSON(t *testing.T, expected string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	if *update {
		require.NoError(t, os.WriteFile(expected, append(b, '\n'), 0o644))
	}
	want, err := os.ReadFile(expected)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(b))
}

// Parse reads a history written inline in a test, as JSON lines.
func Parse(t testing.TB, jsonLines string) history.History {
	t.Helper()
	h, err := history.ReadJSONLines(strings.NewReader(jsonLines))
	require.NoError(t, err)
	return h
}
