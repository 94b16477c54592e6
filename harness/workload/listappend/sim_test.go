package listappend

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/internal/scenario"
)

// simulate builds a history of n transactions from the workload's own
// generator, run by procs concurrent processes against an in-memory map of
// lists. Each step either invokes a txn for an idle process or executes
// one micro-op of a running txn; the txn completes after its last
// micro-op. With atomic set, a txn's micro-ops all run in one step (a
// strictly serializable store); otherwise they interleave with other txns'
// micro-ops, appends taking effect at once (a read-uncommitted store).
func simulate(seed uint64, n, procs int, atomic bool) history.History {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	gen := NewTxnGen(rng, 0, 0, 0)
	store := map[any][]any{}
	return scenario.SimulateTxns(rng, gen.Next, n, procs, atomic, func(m []any) []any {
		if m[0] == "append" {
			store[m[1]] = append(store[m[1]], m[2])
		} else if l, ok := store[m[1]]; ok {
			return []any{"r", m[1], append([]any(nil), l...)}
		}
		return m
	})
}

func TestSimulatedHistories(t *testing.T) {
	h := simulate(1, 2000, 5, true)
	res := Check(h, CheckOptions{})
	require.Equal(t, check.Valid, res.Valid, "%v", res.AnomalyTypes)
	assert.Empty(t, res.Explain())

	res = Check(simulate(1, 2000, 5, false), CheckOptions{ConsistencyModels: []string{"serializable"}})
	require.Equal(t, check.Invalid, res.Valid)
	assert.Contains(t, res.AnomalyTypes, "G1b", "interleaved appends are read midway")
	assert.NotEmpty(t, res.Explain())

	// Without write locks, two txns' appends to two keys interleave in
	// opposite orders: dirty writes (G0), which even read uncommitted
	// forbids.
	res = Check(simulate(1, 2000, 5, false), CheckOptions{ConsistencyModels: []string{"read-uncommitted"}})
	assert.Equal(t, []string{"G0"}, res.AnomalyTypes)
}

// benchmarkCheck analyses a generated history of n transactions, as a
// 60 s run at rate 1000 produces about 60,000. Besides wall time it
// reports the process's CPU time per check (cpu-ns/op), which a busy
// shared machine does not inflate; run it with -cpu 1 for one core.
func benchmarkCheck(b *testing.B, n int, atomic bool, models ...string) {
	h := simulate(4, n, 10, atomic)
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		res := Check(h, CheckOptions{ConsistencyModels: models})
		if atomic && res.Valid != check.Valid {
			b.Fatalf("a serial store was judged %v: %v", res.Valid, res.AnomalyTypes)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkCheck60kStrictSerializable(b *testing.B) {
	benchmarkCheck(b, 60000, true, "strict-serializable")
}

func BenchmarkCheck60kInterleavedStrictSerializable(b *testing.B) {
	benchmarkCheck(b, 60000, false, "strict-serializable")
}

func ExampleCheck() {
	h := history.History{
		{Index: 0, Type: history.Invoke, Process: 0, F: "txn", Value: []any{[]any{"append", int64(1), int64(1)}}},
		{Index: 1, Type: history.OK, Process: 0, F: "txn", Value: []any{[]any{"append", int64(1), int64(1)}}},
		{Index: 2, Type: history.Invoke, Process: 1, F: "txn", Value: []any{[]any{"r", int64(1), nil}}},
		{Index: 3, Type: history.OK, Process: 1, F: "txn", Value: []any{[]any{"r", int64(1), nil}}},
	}
	res := Check(h, CheckOptions{})
	fmt.Println(res.Valid, res.AnomalyTypes)
	// Output: false [G-single-item-realtime]
}
