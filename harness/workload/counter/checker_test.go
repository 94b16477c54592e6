package counter

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
)

var update = flag.Bool("update", false, "rewrite testdata/*.expected.json")

func load(t *testing.T, path string) history.History {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h, err := history.ReadJSONLines(f)
	require.NoError(t, err)
	return h
}

// TestScenarios checks each hand-made history in testdata against its
// expected analysis; the file name says the expected verdict.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jsonl")
	require.NoError(t, err)
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		if strings.HasPrefix(name, "maelstrom-") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			res := Check(load(t, path))
			got, err := json.MarshalIndent(res, "", "  ")
			require.NoError(t, err)
			want := check.Of(strings.HasSuffix(name, "-valid"))
			assert.Equal(t, want, res.Validity())
			exp := strings.TrimSuffix(path, ".jsonl") + ".expected.json"
			if *update {
				require.NoError(t, os.WriteFile(exp, append(got, '\n'), 0o644))
			}
			b, err := os.ReadFile(exp)
			require.NoError(t, err)
			assert.JSONEq(t, string(b), string(got))
		})
	}
}

// TestMaelstromRuns checks the histories of real Maelstrom g-counter runs
// (testdata/maelstrom/*/history.edn, with the SOURCE.txt naming where they
// come from) and matches the :workload part of their results.edn: the
// verdict, the final reads, the acceptable ranges and the erroneous reads.
func TestMaelstromRuns(t *testing.T) {
	dirs, err := filepath.Glob("testdata/maelstrom/*")
	require.NoError(t, err)
	require.Len(t, dirs, 2)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			h, err := history.ReadStoreHistory(dir)
			require.NoError(t, err)
			results, err := history.ReadStoreResults(dir)
			require.NoError(t, err)
			want := history.Get(results, "workload")

			res := Check(h)
			assert.Equal(t, history.Get(want, "valid?") == true, res.Validity() == check.Valid)
			assert.Equal(t, history.Get(want, "final-reads"), res.FinalReads)
			var acceptable []any
			for _, r := range res.Acceptable {
				acceptable = append(acceptable, []any{r[0], r[1]})
			}
			assert.Equal(t, history.Get(want, "acceptable"), acceptable)
			var wantErrs, gotErrs []int
			errs, _ := history.AsList(history.Get(want, "errors"))
			for _, e := range errs {
				i, _ := history.AsInt(history.Get(e, "index"))
				wantErrs = append(wantErrs, int(i))
			}
			for _, e := range res.Errors {
				gotErrs = append(gotErrs, e.Index)
			}
			assert.Equal(t, wantErrs, gotErrs)
		})
	}
}

func TestRangeSet(t *testing.T) {
	s := rangeSet{{0, 0}}
	s = s.withShift(2)
	assert.Equal(t, rangeSet{{0, 0}, {2, 2}}, s, "not adjacent: kept apart")
	s = s.withShift(1)
	assert.Equal(t, rangeSet{{0, 3}}, s, "adjacent ranges merge")
	s = s.withShift(-10)
	assert.Equal(t, rangeSet{{-10, -7}, {0, 3}}, s)
	for v, want := range map[int64]bool{-11: false, -10: true, -7: true, -6: false, -1: false, 0: true, 3: true, 4: false} {
		assert.Equal(t, want, s.contains(v), "contains %d", v)
	}
}

// TestManyIndeterminate shows the set stays small with thousands of
// indeterminate adds of small deltas.
func TestManyIndeterminate(t *testing.T) {
	var h history.History
	for i := 0; i < 5000; i++ {
		h = append(h,
			history.Op{Type: history.Invoke, Process: i, F: "add", Value: int64(i%5 + 1)},
			history.Op{Type: history.Info, Process: i, F: "add", Value: int64(i%5 + 1)})
	}
	h = append(h,
		history.Op{Type: history.Invoke, Process: 9999, F: "read", Final: true},
		history.Op{Type: history.OK, Process: 9999, F: "read", Value: int64(12345), Final: true})
	res := Check(h)
	assert.Equal(t, check.Valid, res.Validity())
	assert.Equal(t, []Range{{0, 15000}}, res.Acceptable)
}
