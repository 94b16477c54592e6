package kafka

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
)

// scenario is one file of testdata/scenarios: a hand-made history whose
// header comments state what the checker must find.
type scenario struct {
	h          history.History
	errorTypes []string
	valid      bool
	worstLag   []string // seconds, process, key
	infoCauses int
}

func loadScenario(t *testing.T, path string) scenario {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var s scenario
	s.infoCauses = -1
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "error-types":
			s.errorTypes = strings.Fields(v)
		case "valid":
			s.valid = v == "true"
		case "worst-lag":
			s.worstLag = strings.Fields(v)
		case "info-txn-causes":
			s.infoCauses, err = strconv.Atoi(v)
			require.NoError(t, err)
		}
	}
	s.h, err = history.ReadJSONLines(bytes.NewReader(b))
	require.NoError(t, err)
	s.h.Reindex()
	timed := false
	for _, o := range s.h {
		timed = timed || o.Time != 0
	}
	if !timed {
		for i := range s.h {
			s.h[i].Time = int64(i+1) * 1_000_000
		}
	}
	return s
}

// TestScenarios runs the checker on every hand-made history under
// testdata/scenarios: one with each anomaly, and clean ones next to them.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".jsonl"), func(t *testing.T) {
			s := loadScenario(t, f)
			r := Check(s.h)
			want := s.errorTypes
			if want == nil {
				want = []string{}
			}
			assert.Equal(t, want, r.ErrorTypes)
			assert.Equal(t, check.Of(s.valid), r.Valid)
			if s.worstLag != nil {
				sec, err := strconv.ParseFloat(s.worstLag[0], 64)
				require.NoError(t, err)
				assert.InDelta(t, sec, r.WorstRealtimeLag.Lag, 1e-9)
				require.NotNil(t, r.WorstRealtimeLag.Process)
				assert.Equal(t, s.worstLag[1], strconv.Itoa(*r.WorstRealtimeLag.Process))
				assert.Equal(t, s.worstLag[2], *r.WorstRealtimeLag.Key)
			}
			if s.infoCauses >= 0 {
				assert.Len(t, r.InfoTxnCauses, s.infoCauses)
			}
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
		})
	}
}

func scenarioResult(t *testing.T, name string) Result {
	t.Helper()
	return Check(loadScenario(t, filepath.Join("testdata", "scenarios", name+".jsonl")).h)
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
