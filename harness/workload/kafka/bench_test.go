package kafka

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
)

// benchHistory is a generated run of 20 s at rate 1000 (20,000 operations,
// 40,000 history entries, plus the final phase) against a correct log,
// four clients, Maelstrom's defaults otherwise.
func benchHistory(t testing.TB) history.History {
	s := newSim(t, 9, 4, 1000, newFake())
	s.step = 500_000 // two events per op: 1 ms per op, 1000 ops/s
	return s.run(20_000)
}

func BenchmarkCheck20s1000(b *testing.B) {
	h := benchHistory(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := Check(h); r.Valid != check.Valid {
			b.Fatal(r.ErrorTypes)
		}
	}
}

// The checker must take well under 2 s on a 20 s run at rate 1000. It
// takes about 0.1 s alone on the machine (BenchmarkCheck20s1000); the test
// asserts the requirement itself, as the 2 shared cores are often busy,
// and the race detector's slowdown gets a looser bound.
func TestCheckSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	h := benchHistory(t)
	require.Greater(t, len(h), 40_000)
	start := time.Now()
	r := Check(h)
	took := time.Since(start)
	assert.Equal(t, check.Valid, r.Valid, "%v", r.ErrorTypes)
	limit := 2 * time.Second
	if raceEnabled {
		limit = 15 * time.Second
	}
	assert.Less(t, took, limit)
	t.Logf("%d ops checked in %v", len(h), took)
}

// BenchmarkCheckMuteFinal: the same run, but the log stops returning
// messages in the final phase, so every worker polls (with no pacing, one
// poll per 0.5 ms) for the whole 10 s, each poll naming every key: 20,000
// polls of about 600 keys each. This is what a broken node costs when the
// final phase is not staggered.
func BenchmarkCheckMuteFinal(b *testing.B) {
	kf := newFake()
	s := newSim(b, 9, 4, 1000, kf)
	s.step = 500_000
	s.beforeFinal = func() { kf.mute = true }
	h := s.runFinalStep(20_000, 250_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Check(h)
	}
}

// TestHistoryFile checks the JSON-lines history named by
// $KAFKA_CHECK_HISTORY (e.g. a store's history.jsonl) and logs how long
// the checker took; skipped when unset.
func TestHistoryFile(t *testing.T) {
	path := os.Getenv("KAFKA_CHECK_HISTORY")
	if path == "" {
		t.Skip("KAFKA_CHECK_HISTORY not set")
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h, err := history.ReadJSONLines(f)
	require.NoError(t, err)
	start := time.Now()
	r := Check(h)
	t.Logf("%d ops checked in %v: valid %v, error types %v, worst lag %+v", len(h), time.Since(start),
		r.Valid, r.ErrorTypes, r.WorstRealtimeLag)
}
