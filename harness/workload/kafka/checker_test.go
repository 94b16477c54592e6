package kafka

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
// scenario notation (internal/scenario), one anomaly each and clean ones
// beside them; `check` prints the verdict, the error types, the worst
// realtime lag when there is one, and the number of info-txn causes.
func TestScenarios(t *testing.T) {
	scenario.Walk(t, "testdata/checker", func(t *testing.T, d *datadriven.TestData, h history.History) string {
		require.Equal(t, "check", d.Cmd)
		r := Check(h)
		// The result must serialise with Jepsen's names.
		b, err := json.Marshal(r)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		for _, k := range []string{"valid?", "worst-realtime-lag", "bad-error-types", "error-types", "info-txn-causes"} {
			assert.Contains(t, m, k)
		}
		for _, et := range r.ErrorTypes {
			assert.Contains(t, m, et, "each error type has its entry")
		}
		var out strings.Builder
		fmt.Fprintf(&out, "valid? %s\nerror-types: %v\n", r.Valid, r.ErrorTypes)
		if w := r.WorstRealtimeLag; w.Process != nil && w.Key != nil {
			fmt.Fprintf(&out, "worst-lag: %gs process %d key %s\n", w.Lag, *w.Process, *w.Key)
		}
		if len(r.InfoTxnCauses) > 0 {
			fmt.Fprintf(&out, "info-txn-causes: %d\n", len(r.InfoTxnCauses))
		}
		return out.String()
	})
}

func scenarioResult(t *testing.T, name string) Result {
	t.Helper()
	return Check(scenario.FirstHistory(t, filepath.Join("testdata", "checker", name)))
}

// The details of a few anomalies, as Jepsen reports them.
func TestAnomalyDetails(t *testing.T) {
	r := scenarioResult(t, "poll-skip")
	require.NotNil(t, r.PollSkip)
	e := r.PollSkip.Errs[0]
	assert.Equal(t, "a", e.Key)
	assert.Equal(t, 2, e.Delta)
	assert.Equal(t, []any{int64(2)}, e.Skipped)
	require.Len(t, e.Ops, 2)
	assert.Equal(t, 1, e.Ops[0].Process)

	r = scenarioResult(t, "int-poll-skip")
	require.NotNil(t, r.IntPollSkip)
	assert.Equal(t, []any{int64(1), int64(3)}, r.IntPollSkip.Errs[0].Values)
	assert.Equal(t, []any{int64(2)}, r.IntPollSkip.Errs[0].Skipped)

	r = scenarioResult(t, "nonmonotonic-poll")
	require.NotNil(t, r.NonmonotonicPoll)
	assert.Equal(t, 0, r.NonmonotonicPoll.Errs[0].Delta)
	assert.Equal(t, []any{int64(2), int64(2)}, r.NonmonotonicPoll.Errs[0].Values)

	r = scenarioResult(t, "nonmonotonic-send")
	require.NotNil(t, r.NonmonotonicSend)
	assert.Equal(t, -1, r.NonmonotonicSend.Errs[0].Delta)

	r = scenarioResult(t, "lost-write")
	require.NotNil(t, r.LostWrite)
	assert.Equal(t, 1, r.LostWrite.Count)
	lw := r.LostWrite.Errs[0]
	assert.Equal(t, int64(2), lw.Value)
	assert.Equal(t, 1, lw.Index)
	assert.Equal(t, 2, lw.MaxReadIndex)
	require.NotNil(t, lw.Writer)
	require.NotNil(t, lw.MaxRead)
	assert.Equal(t, 2, lw.MaxRead.Process)

	r = scenarioResult(t, "unseen")
	require.NotNil(t, r.Unseen)
	assert.Equal(t, map[string]int{"a": 1}, r.Unseen.Unseen)
	assert.Equal(t, map[string][]any{"a": {int64(1)}}, r.Unseen.Messages)

	r = scenarioResult(t, "inconsistent-offsets")
	require.NotNil(t, r.InconsistentOffsets)
	assert.Equal(t, []any{int64(1), int64(2)}, r.InconsistentOffsets.Errs[0].Values)

	r = scenarioResult(t, "duplicate")
	require.NotNil(t, r.Duplicate)
	assert.Equal(t, []int64{0, 2}, r.Duplicate.Errs[0].Offsets)

	r = scenarioResult(t, "g1a")
	require.NotNil(t, r.G1a)
	assert.Equal(t, int64(1), r.G1a.Errs[0].Value)
	require.NotNil(t, r.G1a.Errs[0].Writer)
	assert.Equal(t, history.Fail, r.G1a.Errs[0].Writer.Type)
}

// Errors are condensed as condense-error does: counted in full, a few kept.
func TestCondense(t *testing.T) {
	var errs []SkipErr
	for d := 2; d < 20; d++ {
		errs = append(errs, SkipErr{Delta: d})
	}
	g := condense(errs, func(e SkipErr) float64 { return float64(e.Delta) }, 8, true)
	assert.Equal(t, 18, g.Count)
	require.Len(t, g.Errs, 8)
	assert.Equal(t, 12, g.Errs[0].Delta)
	assert.Equal(t, 19, g.Errs[7].Delta)
	assert.Nil(t, condense[SkipErr](nil, nil, 8, false))
}

// An empty history is valid, with Jepsen's default worst lag.
func TestEmptyHistory(t *testing.T) {
	r := Check(nil)
	assert.Equal(t, check.Valid, r.Valid)
	assert.Equal(t, LagResult{}, r.WorstRealtimeLag)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"worst-realtime-lag":{"time":0,"lag":0}`)
}

// A history read back from history.jsonl (the runner's path: values read
// straight from their JSON) gives exactly the result of the same history in
// memory, whether the file is validated (history.File) or not
// (history.WrittenFile): the real runs, and every scenario of testdata/checker, anomalies
// and the ops they name included.
func TestStoredHistoryChecksAsInMemory(t *testing.T) {
	same := func(t *testing.T, h history.History) {
		path := filepath.Join(t.TempDir(), "history.jsonl")
		f, err := os.Create(path)
		require.NoError(t, err)
		require.NoError(t, history.WriteJSONLines(f, h))
		require.NoError(t, f.Close())
		back, err := history.Collect(history.File(path))
		require.NoError(t, err)
		want := Check(back)
		got, err := CheckSource(history.File(path))
		require.NoError(t, err)
		assert.Equal(t, want, got)
		// The runner reads its own file unvalidated (history.WrittenFile)
		// and folds the shared analyses in the checker's second pass,
		// which hands them every op as ScanRaw reads it, in order.
		type rawOp struct {
			history.Op
			value string
		}
		var ops, shared []rawOp
		require.NoError(t, history.WrittenFile(path).ScanRaw(func(o *history.Op, v []byte) error {
			ops = append(ops, rawOp{*o, string(v)})
			return nil
		}))
		res, err := (&kafkaWorkload{}).CheckSourceSharing(history.WrittenFile(path), func(o *history.Op, v []byte) error {
			shared = append(shared, rawOp{*o, string(v)})
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, want, res)
		assert.Equal(t, ops, shared)
		assert.Len(t, shared, len(h))
		if len(h) > 0 {
			boom := errors.New("boom")
			_, err = (&kafkaWorkload{}).CheckSourceSharing(history.WrittenFile(path), func(*history.Op, []byte) error { return boom })
			assert.ErrorIs(t, err, boom, "an error from the shared fold ends the check")
		}
		assert.Equal(t, RealtimeLags(back), RealtimeLags(h))
	}
	for _, name := range []string{"Emmanuel32.jsonl.gz", "yjcsivsuk.jsonl.gz"} {
		t.Run(name, func(t *testing.T) { same(t, loadGz(t, name)) })
	}
	scenario.Walk(t, "testdata/checker", func(t *testing.T, d *datadriven.TestData, h history.History) string {
		same(t, h)
		return d.Expected
	})
}
