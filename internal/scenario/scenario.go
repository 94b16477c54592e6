// Package scenario drives checker tests from readable files, in the shape
// of etcd raft's testdata scenarios: a hand-made history in
// testdata/NAME.jsonl, the expected analysis beside it in
// testdata/NAME.expected.json. `go test -update` rewrites the expected
// files from what the checker now says (review the diff before committing).
package scenario

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
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

// Ops reads a history written in the compact scenario notation, one op
// per line:
//
//	<type> <process> <f> [<value>] [t=<ms>] [final] [error=<json>]
//
// type is inv (or invoke), ok, fail or info; value is JSON and may contain
// spaces (it ends where the JSON ends); t is the op's time in
// milliseconds; final marks a final-phase op; error is the completion's
// error as JSON without spaces. Blank lines and lines starting with # are
// skipped. Ops are indexed in order; when no op has a time, op i is given
// time i+1 ms. Values are read exactly as history files are, so checkers
// see the same types as in a real run.
func Ops(t testing.TB, notation string) history.History {
	t.Helper()
	var lines []string
	timed := false
	for _, line := range strings.Split(notation, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, hasTime, err := opLine(line)
		require.NoError(t, err, "scenario line %q", line)
		timed = timed || hasTime
		lines = append(lines, op)
	}
	h, err := history.ReadJSONLines(strings.NewReader(strings.Join(lines, "\n")))
	require.NoError(t, err)
	h.Reindex()
	if !timed {
		for i := range h {
			h[i].Time = int64(i+1) * 1_000_000
		}
	}
	return h
}

// opLine turns one notation line into a JSON-lines history op.
func opLine(line string) (string, bool, error) {
	f := strings.Fields(line)
	if len(f) < 3 {
		return "", false, errors.New("want <type> <process> <f> [value] [options]")
	}
	typ := f[0]
	if typ == "inv" {
		typ = "invoke"
	}
	op := map[string]any{"type": typ, "f": f[2]}
	if p, err := strconv.Atoi(f[1]); err == nil {
		op["process"] = p
	} else {
		op["process"] = f[1]
	}
	rest := strings.TrimSpace(line[strings.Index(line, f[2])+len(f[2]):])
	if rest != "" && !isOption(strings.Fields(rest)[0]) {
		dec := json.NewDecoder(strings.NewReader(rest))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "", false, fmt.Errorf("value: %w", err)
		}
		op["value"] = v
		rest = rest[dec.InputOffset():]
	} else {
		op["value"] = nil
	}
	hasTime := false
	for _, o := range strings.Fields(rest) {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "final":
			op["final?"] = true
		case "t":
			ms, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return "", false, fmt.Errorf("time %q: %w", v, err)
			}
			op["time"], hasTime = int64(ms*1e6), true
		case "error":
			op["error"] = json.RawMessage(v)
		default:
			return "", false, fmt.Errorf("unknown option %q", o)
		}
	}
	b, err := json.Marshal(op)
	return string(b), hasTime, err
}

func isOption(tok string) bool {
	return tok == "final" || strings.HasPrefix(tok, "t=") || strings.HasPrefix(tok, "error=")
}

// Walk runs every datadriven file under dir (etcd raft's and txnrw's
// format: a directive, an input, "----", the expected output); the input
// of each directive is a history in the notation of Ops, which fn turns
// into the output. `go test -rewrite` rewrites the expectations (review
// the diff before committing).
func Walk(t *testing.T, dir string, fn func(t *testing.T, d *datadriven.TestData, h history.History) string) {
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return fn(t, d, Ops(t, d.Input))
		})
	})
}

// FirstHistory returns the history of the first directive of a datadriven
// file, for tests that look into one scenario's result in detail.
func FirstHistory(t testing.TB, path string) history.History {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var in []string
	started := false
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "----":
			return Ops(t, strings.Join(in, "\n"))
		case !started && (trimmed == "" || strings.HasPrefix(trimmed, "#")):
		case !started:
			started = true // the directive line
		default:
			in = append(in, line)
		}
	}
	t.Fatalf("%s: no directive", path)
	return nil
}

// JSON renders v as indented JSON, for directives that print a whole
// result.
func JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	return string(b) + "\n"
}

// MicroOp parses one micro-op token of the transaction notation, split
// into its function letter, its one-letter key and the rest, into its
// completion form and its invocation form (reads blanked), e.g. for
// rw-register wx1 -> [w x 1] both, ry2 -> [r y 2] and [r y nil].
type MicroOp func(fn, key, val string) (completion, invocation []any, err error)

// Txns reads a transactional history in Elle's test notation, one event
// per line:
//
//	<type> <process> <micro-ops...>
//
// type is inv, ok, fail or info; each micro-op token is parsed by op. A
// completion for a process with no pending invocation gets one made just
// before it. Every op's f is "txn"; ops are indexed in order, 1 ms apart.
func Txns(t testing.TB, input string, op MicroOp) history.History {
	t.Helper()
	var h history.History
	pending := map[int]bool{}
	for _, line := range strings.Split(input, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		require.GreaterOrEqual(t, len(f), 2, "line %q", line)
		p, err := strconv.Atoi(f[1])
		require.NoError(t, err, "line %q", line)
		txn, inv := []any{}, []any{}
		for _, tok := range f[2:] {
			require.GreaterOrEqual(t, len(tok), 3, "micro-op %q: want <f><key><value>", tok)
			c, i, err := op(tok[:1], tok[1:2], tok[2:])
			require.NoError(t, err, "micro-op %q", tok)
			txn, inv = append(txn, c), append(inv, i)
		}
		typ := history.Type(f[0])
		if f[0] == "inv" {
			typ = history.Invoke
		}
		if typ != history.Invoke && !pending[p] {
			h = append(h, history.Op{Type: history.Invoke, Process: p, F: "txn", Value: inv})
		}
		pending[p] = typ == history.Invoke
		val := any(txn)
		if typ == history.Invoke {
			val = inv
		}
		h = append(h, history.Op{Type: typ, Process: p, F: "txn", Value: val})
	}
	for i := range h {
		h[i].Index = i
		h[i].Time = int64(i) * 1_000_000
	}
	return h
}
