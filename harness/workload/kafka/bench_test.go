package kafka

import (
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

// The checker must take well under 2 s on a 20 s run at rate 1000 (we aim
// at a tenth of that; the race detector slows it several times, so the
// bound is looser there).
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
	limit := 500 * time.Millisecond
	if raceEnabled {
		limit = 5 * time.Second
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
