// Package listappend is the txn-list-append workload, matching Maelstrom's
// src/maelstrom/workload/txn_list_append.clj: clients send `txn` requests
// whose micro-ops are reads ["r", k, null] and appends ["append", k, v], and
// expect `txn_ok` with every read filled in with the key's list (null for a
// key never appended to). The generator is Elle's list-append generator
// (elle/list_append.clj gen: wr-txns with writes turned into appends, via
// jepsen.tests.cycle.append), and the checker is Elle's list-append
// analysis (elle/list_append.clj check), which Maelstrom runs unwrapped.
package listappend

import (
	"math/rand/v2"

	"glomers/harness/check"
	"glomers/harness/elle"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// New builds the workload from the test's options: --key-count (default
// 10, Elle's default for its exponential key distribution),
// --max-txn-length (4) and --max-writes-per-key (16), Maelstrom's CLI
// defaults, and --consistency-models (strict-serializable). Every list
// starts absent (nil). The generator is Elle's append/read transactions,
// and there is no final phase: jepsen.tests.cycle.append has no final
// generator, so Maelstrom's final phase (heal, then sleep) issues no
// operations.
func New(opts workload.Options) (workload.Workload, error) {
	models, err := workload.TxnModels("txn-list-append", opts)
	if err != nil {
		return nil, err
	}
	return &workload.TxnWorkload{
		NewGen: func() func() []any {
			return NewTxnGen(opts.Rand, opts.KeyCount, opts.MaxTxnLength, opts.MaxWritesPerKey).Next
		},
		Codec: txnCodec,
		// Elle's list-append analysis for the configured models.
		Checker: func(h history.History) check.Result { return Check(h, CheckOptions{ConsistencyModels: models}) },
	}, nil
}

// TxnGen is elle.list-append/append-txns: Elle's write/read transactions
// with every write [w k v] turned into an append [append k v]. Appended
// values are therefore unique per key, as the checker requires.
type TxnGen struct{ g *elle.TxnGen }

// NewTxnGen makes a generator; zero arguments take the defaults.
func NewTxnGen(rng *rand.Rand, keyCount, maxLength, maxWritesPerKey int) *TxnGen {
	return &TxnGen{elle.NewTxnGen(rng, keyCount, maxLength, maxWritesPerKey)}
}

// Next returns the next transaction in the history's value form.
func (g *TxnGen) Next() []any {
	txn := g.g.Next()
	for _, e := range txn {
		if m := e.([]any); m[0] == "w" {
			m[0] = "append"
		}
	}
	return txn
}

// txnCodec encodes requests from invocations and checks txn_ok replies
// against Maelstrom's schema (a list of ["r", k, [elements] or null] and ["append", k, v]).
var txnCodec = workload.MopCodec(parseTxn, mop.asAny)
