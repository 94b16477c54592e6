package workload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"glomers/harness/check"
	"glomers/harness/elle"
	"glomers/harness/history"
)

// The parts of Maelstrom's two transaction workloads (txn-rw-register and
// txn-list-append) that are the same: option checks, and a client that
// sends one `txn` request and checks its `txn_ok`. What differs, the
// micro-op names and what a read returns, stays in each workload's parse
// functions.

// TxnModels checks a transaction workload's options (a random source;
// no negative key count, txn length or writes per key) and returns its
// consistency models, strict-serializable when none are given. name
// prefixes the errors.
func TxnModels(name string, opts Options) ([]string, error) {
	if opts.Rand == nil {
		return nil, fmt.Errorf("%s: options need a random source", name)
	}
	if opts.KeyCount < 0 || opts.MaxTxnLength < 0 || opts.MaxWritesPerKey < 0 {
		return nil, fmt.Errorf("%s: key count, txn length and writes per key must be positive", name)
	}
	models := opts.ConsistencyModels
	if len(models) == 0 {
		models = []string{"strict-serializable"}
	}
	if err := elle.ValidateModels(models); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return models, nil
}

// TxnWorkload is a configured transaction workload. Setup does nothing
// (every key starts absent) and Final is nil: neither of Maelstrom's txn
// workloads issues final operations (each workload's New says why).
type TxnWorkload struct {
	// NewGen makes the transaction source of a Generator call.
	NewGen func() func() []any
	// Codec is the client's micro-op encoding.
	Codec TxnCodec
	// Checker analyses a history for the configured models.
	Checker func(history.History) check.Result
}

// Setup does nothing.
func (w *TxnWorkload) Setup(context.Context, func() Conn) error { return nil }

// Generator yields `txn` operations from NewGen's source.
func (w *TxnWorkload) Generator() Generator {
	next := w.NewGen()
	return GeneratorFunc(func(Worker, *history.Op) (history.Op, bool) {
		return history.Op{F: "txn", Value: next()}, true
	})
}

// Final returns nil: no final phase.
func (w *TxnWorkload) Final() *Final { return nil }

// NewClient makes a client talking to the worker's node.
func (w *TxnWorkload) NewClient(conn Conn, wk Worker, _ *rand.Rand) Client {
	return NewTxnClient(conn, wk.Node, w.Codec)
}

// Check runs the workload's checker.
func (w *TxnWorkload) Check(h history.History) check.Result { return w.Checker(h) }

// TxnCodec is how a transaction workload reads its micro-ops.
type TxnCodec struct {
	// Request turns an invocation's value into the request's micro-ops.
	Request func(v any) ([][]any, error)
	// CheckReply says whether a txn_ok's txn, in the history's value form,
	// fits the workload's schema.
	CheckReply func(txn any) error
}

// MopCodec is the TxnCodec of a workload whose micro-op type M parses
// from a transaction value (reply says the value is a txn_ok's, whose
// reads must carry what they read) and renders back to [f k v].
func MopCodec[M any](parse func(v any, reply bool) ([]M, error), render func(M) []any) TxnCodec {
	return TxnCodec{
		Request: func(v any) ([][]any, error) {
			mops, err := parse(v, false)
			if err != nil {
				return nil, err
			}
			out := make([][]any, len(mops))
			for i, m := range mops {
				out[i] = render(m)
			}
			return out, nil
		},
		CheckReply: func(txn any) error {
			_, err := parse(txn, true)
			return err
		},
	}
}

// NewTxnClient makes a client sending Maelstrom's txn! RPC to node.
func NewTxnClient(conn Conn, node string, codec TxnCodec) Client {
	return &txnClient{conn: conn, node: node, codec: codec}
}

// txnRequest is the body of Maelstrom's txn! RPC; txnReply is txn_ok.
type txnRequest struct {
	Type string  `json:"type"`
	Txn  [][]any `json:"txn"`
}

type txnReply struct {
	Txn json.RawMessage `json:"txn"`
}

type txnClient struct {
	conn  Conn
	node  string
	codec TxnCodec
}

// Invoke sends one transaction. Maelstrom's transaction clients use
// with-errors with no idempotent functions: definite errors (30
// txn-conflict) fail the op, and everything else, a malformed txn_ok
// included (Maelstrom's schema check throws), leaves it indeterminate.
func (c *txnClient) Invoke(ctx context.Context, op history.Op) history.Op {
	mops, err := c.codec.Request(op.Value)
	if err != nil {
		return Complete(op, op.Value, err, false)
	}
	raw, err := c.conn.RPC(ctx, c.node, txnRequest{Type: "txn", Txn: mops})
	if err != nil {
		return Complete(op, op.Value, err, false)
	}
	value, err := c.decodeReply(raw)
	if err != nil {
		return Complete(op, op.Value, err, false)
	}
	return Complete(op, value, nil, false)
}

// decodeReply checks txn_ok against the workload's schema and returns its
// txn in the history's value form.
func (c *txnClient) decodeReply(raw json.RawMessage) (any, error) {
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
	if err := c.codec.CheckReply(txn); err != nil || txn == nil {
		return nil, fmt.Errorf("malformed txn_ok txn %s", r.Txn)
	}
	return txn, nil
}
