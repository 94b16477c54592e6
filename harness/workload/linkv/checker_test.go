package linkv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/internal/scenario"
)

// TestScenarios checks each hand-made history against its expected
// analysis; the file name ends with the expected verdict.
func TestScenarios(t *testing.T) {
	scenario.Each(t, "testdata/*.jsonl", func(t *testing.T, name string, h history.History, expected string) {
		res := Check(h)
		assert.Equal(t, check.Of(strings.HasSuffix(name, "-valid")), res.Validity())
		scenario.ExpectJSON(t, expected, res)
	})
}

// TestMaelstromRuns checks the histories of real Maelstrom lin-kv runs
// (testdata/maelstrom/*/history.edn; SOURCE.txt names where each comes
// from) and matches knossos' verdicts in their results.edn: the overall
// verdict, the failing keys, and for each failing key the op knossos
// could not linearize (the :op of its analysis, or the last op of its
// final paths), within the 5 s the issue allows.
func TestMaelstromRuns(t *testing.T) {
	dirs, err := filepath.Glob("testdata/maelstrom/*")
	require.NoError(t, err)
	require.Len(t, dirs, 3)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			h, err := history.ReadStoreHistory(dir)
			require.NoError(t, err)
			results, err := history.ReadStoreResults(dir)
			require.NoError(t, err)
			want := history.Get(results, "workload")

			start := time.Now()
			res := Check(h)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.Equal(t, history.Get(want, "valid?") == true, res.Validity() == check.Valid)
			wantFailures, _ := history.AsList(history.Get(want, "failures"))
			assert.ElementsMatch(t, wantFailures, res.Failures)
			for _, k := range wantFailures {
				name := canon(k)
				lin := history.Get(history.Get(history.Get(want, "results"), name), "linearizable")
				got := res.Results[name].Linearizable
				require.NotNil(t, got.Op)
				assert.NotEmpty(t, got.Window)
				if op := history.Get(lin, "op"); op != nil {
					i, _ := history.AsInt(history.Get(op, "index"))
					assert.EqualValues(t, i, got.Op.Index)
					continue
				}
				// Knossos named no :op; its final paths all end at the
				// op it could not apply.
				paths, _ := history.AsList(history.Get(lin, "final-paths"))
				require.NotEmpty(t, paths)
				path, _ := history.AsList(paths[len(paths)-1])
				i, _ := history.AsInt(history.Get(history.Get(path[len(path)-1], "op"), "index"))
				assert.EqualValues(t, i, got.Op.Index)
			}
		})
	}
}

func TestVisualization(t *testing.T) {
	res := Check(scenario.ReadHistory(t, "testdata/cas-old-value-invalid.jsonl"))
	dir := t.TempDir()
	paths, err := res.WriteVisualizations(dir)
	require.NoError(t, err)
	require.Len(t, paths, 1)
	assert.Equal(t, filepath.Join(dir, "linearizable-0.html"), paths[0])
	b, err := os.ReadFile(paths[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), "cas(1, 3)")
	assert.Equal(t, "linearizable-0.html", res.Results["0"].Linearizable.Visualization)

	// Through the checker option.
	dir2 := t.TempDir()
	res = Checker{VisualizeDir: dir2}.Check(scenario.ReadHistory(t, "testdata/stale-read-invalid.jsonl"))
	assert.FileExists(t, filepath.Join(dir2, "linearizable-0.html"))
	assert.Empty(t, res.VisualizeError)

	// Nothing to draw for a valid history.
	res = Check(scenario.ReadHistory(t, "testdata/linearizable-valid.jsonl"))
	paths, err = res.WriteVisualizations(t.TempDir())
	require.NoError(t, err)
	assert.Empty(t, paths)
}

// TestUndecidedIsUnknown builds a key no checker can decide quickly: many
// concurrent writes of distinct values and a read of a value nobody wrote,
// so every order of the writes must be tried before the read is refuted.
func TestUndecidedIsUnknown(t *testing.T) {
	var h history.History
	const n = 60
	for p := 0; p < n; p++ {
		h = append(h, history.Op{Type: history.Invoke, Process: p, F: "write", Value: []any{int64(0), int64(p)}})
	}
	h = append(h, history.Op{Type: history.Invoke, Process: n, F: "read", Value: []any{int64(0), nil}})
	for p := 0; p < n; p++ {
		h = append(h, history.Op{Type: history.OK, Process: p, F: "write", Value: []any{int64(0), int64(p)}})
	}
	h = append(h, history.Op{Type: history.OK, Process: n, F: "read", Value: []any{int64(0), int64(-1)}})
	res := Checker{KeyTimeout: 200 * time.Millisecond}.Check(h)
	assert.Equal(t, check.Unknown, res.Validity())
	assert.Equal(t, []any{int64(0)}, res.Unknown)
	assert.Equal(t, check.Unknown, res.Results["0"].Validity())
}
