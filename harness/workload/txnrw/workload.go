// Package txnrw is the txn-rw-register workload, matching Maelstrom's
// src/maelstrom/workload/txn_rw_register.clj: clients send `txn` requests
// whose micro-ops are reads ["r", k, null] and writes ["w", k, v] over
// integer registers, and expect `txn_ok` with the reads filled in. The
// generator is Elle's rw-register generator (elle/txn.clj wr-txns, via
// jepsen.tests.cycle.wr), and the checker is Elle's rw-register analysis
// with writes-follow-reads version inference (elle/rw_register.clj check,
// :wfr-keys? true), with Maelstrom's wrapper around it.
package txnrw

import (
	"glomers/harness/check"
	"glomers/harness/elle"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// Defaults of Maelstrom's CLI (src/maelstrom/core.clj) and of elle/txn.clj
// wr-txns.
const (
	DefaultKeyCount        = elle.DefaultKeyCount
	DefaultMaxTxnLength    = elle.DefaultMaxTxnLength
	DefaultMaxWritesPerKey = elle.DefaultMaxWritesPerKey
)

// New builds the workload from the test's options. Every register starts
// absent (nil); the generator is Elle's write/read transactions.
//
// There is no final phase. jepsen.tests.cycle.wr does define a final
// generator (final reads of every key up to :max-key), but it reads
// :max-key from a context that only its max-key-tracker wrapper provides,
// and Maelstrom never applies that wrapper; so in Maelstrom the final phase
// is a heal and a 10 s sleep that issue no operations (the real runs in
// ../shared/maelstrom-runs end with the main phase's last txn).
func New(opts workload.Options) (workload.Workload, error) {
	models, err := workload.TxnModels("txn-rw-register", opts)
	if err != nil {
		return nil, err
	}
	return &workload.TxnWorkload{
		NewGen: func() func() []any {
			return elle.NewTxnGen(opts.Rand, opts.KeyCount, opts.MaxTxnLength, opts.MaxWritesPerKey).Next
		},
		Codec: txnCodec,
		// The Elle analysis for the configured consistency models.
		Checker: func(h history.History) check.Result { return Check(h, CheckOptions{ConsistencyModels: models}) },
	}, nil
}

// txnCodec encodes requests from invocations and checks txn_ok replies
// against Maelstrom's schema (a list of [f k v] micro-ops, f "r" or "w").
var txnCodec = workload.MopCodec(func(v any, _ bool) ([]mop, error) { return parseTxn(v) }, mop.asAny)
