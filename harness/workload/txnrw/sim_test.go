package txnrw

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"glomers/harness/check"
	"glomers/harness/elle"
	"glomers/harness/history"
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
	type running struct {
		inv  history.Op
		txn  []any
		next int
	}
	run := make([]*running, procs)
	var h history.History
	emit := func(o history.Op) {
		o.Index = len(h)
		o.Time = int64(len(h)) * 1000
		h = append(h, o)
	}
	started, done := 0, 0
	for done < n {
		p := rng.IntN(procs)
		r := run[p]
		if r == nil {
			if started == n {
				continue
			}
			started++
			txn := gen.Next()
			inv := history.Op{Type: history.Invoke, Process: p, F: "txn", Value: txn}
			emit(inv)
			out := make([]any, len(txn))
			copy(out, txn)
			run[p] = &running{inv: inv, txn: out}
			continue
		}
		for {
			m := r.txn[r.next].([]any)
			if m[0] == "w" {
				store[m[1]] = m[2]
			} else {
				r.txn[r.next] = []any{"r", m[1], store[m[1]]}
			}
			r.next++
			if !atomic || r.next == len(r.txn) {
				break
			}
		}
		if r.next == len(r.txn) {
			emit(history.Op{Type: history.OK, Process: p, F: "txn", Value: r.txn})
			run[p] = nil
			done++
		}
	}
	return h
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
