package counter

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/internal/scenario"
)

// TestScenarios runs testdata/checker: hand-made histories in the
// scenario notation (internal/scenario); `check` prints the whole
// analysis. The file name says the expected verdict.
func TestScenarios(t *testing.T) {
	scenario.Walk(t, "testdata/checker", func(t *testing.T, d *datadriven.TestData, h history.History) string {
		require.Equal(t, "check", d.Cmd)
		res := Check(h)
		assert.Equal(t, check.Of(strings.Contains(d.Pos, "-valid:")), res.Validity(), d.Pos)
		return scenario.JSON(t, res)
	})
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
