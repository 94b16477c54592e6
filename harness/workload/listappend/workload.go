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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"glomers/harness/check"
	"glomers/harness/elle"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// Workload is one configured txn-list-append test.
type Workload struct {
	opts   workload.Options
	models []string
}

// New builds the workload from the test's options: --key-count (default
// 10, Elle's default for its exponential key distribution),
// --max-txn-length (4) and --max-writes-per-key (16), Maelstrom's CLI
// defaults, and --consistency-models (strict-serializable).
func New(opts workload.Options) (workload.Workload, error) {
	if opts.Rand == nil {
		return nil, fmt.Errorf("txn-list-append: options need a random source")
	}
	if opts.KeyCount < 0 || opts.MaxTxnLength < 0 || opts.MaxWritesPerKey < 0 {
		return nil, fmt.Errorf("txn-list-append: key count, txn length and writes per key must be positive")
	}
	models := opts.ConsistencyModels
	if len(models) == 0 {
		models = []string{"strict-serializable"}
	}
	if err := elle.ValidateModels(models); err != nil {
		return nil, fmt.Errorf("txn-list-append: %w", err)
	}
	return &Workload{opts: opts, models: models}, nil
}

// Setup does nothing: every list starts absent (nil).
func (w *Workload) Setup(context.Context, func() workload.Conn) error { return nil }

// Generator yields Elle's append/read transactions.
func (w *Workload) Generator() workload.Generator {
	g := NewTxnGen(w.opts.Rand, w.opts.KeyCount, w.opts.MaxTxnLength, w.opts.MaxWritesPerKey)
	return workload.GeneratorFunc(func(workload.Worker, *history.Op) (history.Op, bool) {
		return history.Op{F: "txn", Value: g.Next()}, true
	})
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

// Final returns nil: jepsen.tests.cycle.append has no final generator, so
// Maelstrom's final phase (heal, then sleep) issues no operations.
func (w *Workload) Final() *workload.Final { return nil }

// NewClient makes a client talking to the worker's node.
func (w *Workload) NewClient(conn workload.Conn, wk workload.Worker, _ *rand.Rand) workload.Client {
	return &client{conn: conn, node: wk.Node}
}

// Check runs Elle's list-append analysis for the configured models.
func (w *Workload) Check(h history.History) check.Result {
	return Check(h, CheckOptions{ConsistencyModels: w.models})
}

// txnRequest is the body of Maelstrom's txn! RPC; txnReply is txn_ok.
type txnRequest struct {
	Type string  `json:"type"`
	Txn  [][]any `json:"txn"`
}

type txnReply struct {
	Txn json.RawMessage `json:"txn"`
}

type client struct {
	conn workload.Conn
	node string
}

// Invoke sends one transaction. Maelstrom's client uses with-errors with no
// idempotent functions: definite errors (30 txn-conflict) fail the op, and
// everything else, a malformed txn_ok included (Maelstrom's schema check
// throws), leaves it indeterminate.
func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	mops, err := parseTxn(op.Value, false)
	if err != nil {
		return workload.Complete(op, op.Value, err, false)
	}
	req := txnRequest{Type: "txn", Txn: make([][]any, len(mops))}
	for i, m := range mops {
		req.Txn[i] = m.asAny()
	}
	raw, err := c.conn.RPC(ctx, c.node, req)
	if err != nil {
		return workload.Complete(op, op.Value, err, false)
	}
	value, err := decodeReply(raw)
	if err != nil {
		return workload.Complete(op, op.Value, err, false)
	}
	return workload.Complete(op, value, nil, false)
}

// decodeReply checks txn_ok against Maelstrom's schema (a list of
// ["r", k, [elements] or null] and ["append", k, v]) and returns it in the
// history's value form.
func decodeReply(raw json.RawMessage) (any, error) {
	var r txnReply
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("malformed txn_ok: %w", err)
	}
	var txn any
	dec := json.NewDecoder(bytes.NewReader(r.Txn))
	dec.UseNumber()
	if err := dec.Decode(&txn); err != nil {
		return nil, fmt.Errorf("malformed txn_ok txn %s: %w", r.Txn, err)
	}
	txn = history.Normalize(txn)
	if _, err := parseTxn(txn, true); err != nil || txn == nil {
		return nil, fmt.Errorf("malformed txn_ok txn %s", r.Txn)
	}
	return txn, nil
}
