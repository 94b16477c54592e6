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

// Defaults of Maelstrom's CLI (src/maelstrom/core.clj) and of elle/txn.clj
// wr-txns.
const (
	DefaultKeyCount        = elle.DefaultKeyCount
	DefaultMaxTxnLength    = elle.DefaultMaxTxnLength
	DefaultMaxWritesPerKey = elle.DefaultMaxWritesPerKey
)

// Workload is one configured txn-rw-register test.
type Workload struct {
	opts   workload.Options
	models []string
}

// New builds the workload from the test's options.
func New(opts workload.Options) (workload.Workload, error) {
	if opts.Rand == nil {
		return nil, fmt.Errorf("txn-rw-register: options need a random source")
	}
	if opts.KeyCount < 0 || opts.MaxTxnLength < 0 || opts.MaxWritesPerKey < 0 {
		return nil, fmt.Errorf("txn-rw-register: key count, txn length and writes per key must be positive")
	}
	models := opts.ConsistencyModels
	if len(models) == 0 {
		models = []string{"strict-serializable"}
	}
	if err := elle.ValidateModels(models); err != nil {
		return nil, fmt.Errorf("txn-rw-register: %w", err)
	}
	return &Workload{opts: opts, models: models}, nil
}

// Setup does nothing: every register starts absent (nil).
func (w *Workload) Setup(context.Context, func() workload.Conn) error { return nil }

// Generator yields Elle's write/read transactions.
func (w *Workload) Generator() workload.Generator {
	g := elle.NewTxnGen(w.opts.Rand, w.opts.KeyCount, w.opts.MaxTxnLength, w.opts.MaxWritesPerKey)
	return workload.GeneratorFunc(func(workload.Worker, *history.Op) (history.Op, bool) {
		return history.Op{F: "txn", Value: g.Next()}, true
	})
}

// Final returns nil. jepsen.tests.cycle.wr does define a final generator
// (final reads of every key up to :max-key), but it reads :max-key from a
// context that only its max-key-tracker wrapper provides, and Maelstrom
// never applies that wrapper; so in Maelstrom the final phase is a heal and
// a 10 s sleep that issue no operations (the real runs in
// ../shared/maelstrom-runs end with the main phase's last txn).
func (w *Workload) Final() *workload.Final { return nil }

// NewClient makes a client talking to the worker's node.
func (w *Workload) NewClient(conn workload.Conn, wk workload.Worker, _ *rand.Rand) workload.Client {
	return &client{conn: conn, node: wk.Node}
}

// Check runs the Elle analysis for the configured consistency models.
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

// Invoke sends one transaction. As Maelstrom's client uses with-errors
// with no idempotent functions, definite errors (e.g. 30 txn-conflict)
// fail the op and everything else leaves it indeterminate.
func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	mops, err := parseTxn(op.Value)
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
	value, err := decodeReply(raw, mops)
	if err != nil {
		return workload.Complete(op, op.Value, err, false)
	}
	return workload.Complete(op, value, nil, false)
}

// decodeReply checks txn_ok against Maelstrom's schema (a list of
// [f k v] micro-ops) and returns it in the history's value form.
func decodeReply(raw json.RawMessage, sent []mop) (any, error) {
	var r txnReply
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("malformed txn_ok: %w", err)
	}
	var txn any
	dec = json.NewDecoder(bytes.NewReader(r.Txn))
	dec.UseNumber()
	if err := dec.Decode(&txn); err != nil {
		return nil, fmt.Errorf("malformed txn_ok txn %s: %w", r.Txn, err)
	}
	txn = history.Normalize(txn)
	if _, err := parseTxn(txn); err != nil || txn == nil {
		return nil, fmt.Errorf("malformed txn_ok txn %s", r.Txn)
	}
	return txn, nil
}
