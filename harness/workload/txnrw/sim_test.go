package txnrw

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"glomers/harness/check"
	"glomers/harness/elle"
	"glomers/harness/history"
	"glomers/internal/scenario"
)

// simulate builds a history of n transactions from the workload's own
// generator, run by procs concurrent processes against an in-memory store.
// Each step either invokes a txn for an idle process or executes one
// micro-op of a running txn; the txn completes after its last micro-op. With
// atomic set, a txn's micro-ops all run in one step (a serializable store);
// otherwise they interleave with other txns' micro-ops, writes taking effect
// at once (a read-uncommitted store, full of anomalies).
func simulate(seed uint64, n, procs int, atomic bool) history.History {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	gen := elle.NewTxnGen(rng, 0, 0, 0)
	store := map[any]any{}
	return scenario.SimulateTxns(rng, gen.Next, n, procs, atomic, func(m []any) []any {
		if m[0] == "w" {
			store[m[1]] = m[2]
			return m
		}
		return []any{"r", m[1], store[m[1]]}
	})
}

func TestSimulatedHistories(t *testing.T) {
	models := []string{"strict-serializable"}
	good := simulate(1, 2000, 10, true)
	r := Check(good, CheckOptions{ConsistencyModels: models})
	assert.Equal(t, check.Valid, r.Valid, "%v", r.AnomalyTypes)
	assert.Empty(t, r.Not)

	dirty := simulate(2, 2000, 10, false)
	r = Check(dirty, CheckOptions{ConsistencyModels: []string{"read-committed"}})
	assert.Equal(t, check.Invalid, r.Valid)
	assert.Contains(t, r.AnomalyTypes, "G1b")
	assert.Contains(t, r.AnomalyTypes, "G1c")
}

// The speed target, a 20 s history at rate 1000 (about 20k txns)
// analysed in under 2 s, is measured by these benchmarks rather than by a
// timed test, which a busy shared machine would fail at random:
//
//	go test ./harness/workload/txnrw -run '^$' -bench Check20k -benchtime 3x
func benchmarkCheck(b *testing.B, atomic bool, models ...string) {
	h := simulate(4, 20000, 10, atomic)
	b.ResetTimer()
	for range b.N {
		Check(h, CheckOptions{ConsistencyModels: models})
	}
}

func BenchmarkCheck20kSerializable(b *testing.B) { benchmarkCheck(b, true, "strict-serializable") }
func BenchmarkCheck20kDirtyRC(b *testing.B)      { benchmarkCheck(b, false, "read-committed") }
func BenchmarkCheck20kDirtyStrict(b *testing.B)  { benchmarkCheck(b, false, "strict-serializable") }
