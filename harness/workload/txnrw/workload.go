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
	"math"
	"math/rand/v2"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// Defaults of Maelstrom's CLI (src/maelstrom/core.clj) and of elle/txn.clj
// wr-txns.
const (
	DefaultKeyCount        = 10
	DefaultMaxTxnLength    = 4
	DefaultMaxWritesPerKey = 16
	minTxnLength           = 1
	keyDistBase            = 2.0
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
	if err := ValidateModels(models); err != nil {
		return nil, fmt.Errorf("txn-rw-register: %w", err)
	}
	return &Workload{opts: opts, models: models}, nil
}

// Setup does nothing: every register starts absent (nil).
func (w *Workload) Setup(context.Context, func() workload.Conn) error { return nil }

// Generator yields Elle's write/read transactions.
func (w *Workload) Generator() workload.Generator {
	g := NewTxnGen(w.opts.Rand, w.opts.KeyCount, w.opts.MaxTxnLength, w.opts.MaxWritesPerKey)
	return workload.GeneratorFunc(func(workload.Worker, *history.Op) (history.Op, bool) {
		return history.Op{F: "txn", Value: g.Next()}, true
	})
}

// Final returns nil. jepsen.tests.cycle.wr does define a final generator
// (final reads of every key up to :max-key), but it reads :max-key from a
// context that only its max-key-tracker wrapper provides, and Maelstrom
// never applies that wrapper; so in Maelstrom the final phase is a heal and
// a 10 s sleep that issue no operations (the shared real Maelstrom
// runs end with the main phase's last txn).
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

// TxnGen is Elle's wr-txns generator: transactions of 1..maxLength
// micro-ops, each a read or a write (even odds) of one of keyCount active
// keys chosen with an exponential distribution (key i of the pool is twice
// as likely as key i-1). Each key takes the values 1, 2, ... in turn, so
// writes are unique per key; once a key has had maxWritesPerKey writes, it
// is retired and replaced in the pool by a fresh key one above the largest
// active key.
//
// Newer Elle draws each key's write budget from a Zipf distribution; the
// Elle inside Maelstrom gives every key exactly max-writes-per-key writes,
// as the shared real Maelstrom runs show (all retired keys
// there have 16 writes), so we do the same.
type TxnGen struct {
	rng       *rand.Rand
	maxLength int
	maxWrites int64
	scale     float64
	active    []int64
	next      map[int64]int64 // key -> next value to write
}

// NewTxnGen makes a generator; zero arguments take the defaults.
func NewTxnGen(rng *rand.Rand, keyCount, maxLength, maxWritesPerKey int) *TxnGen {
	if keyCount <= 0 {
		keyCount = DefaultKeyCount
	}
	if maxLength <= 0 {
		maxLength = DefaultMaxTxnLength
	}
	if maxWritesPerKey <= 0 {
		maxWritesPerKey = DefaultMaxWritesPerKey
	}
	g := &TxnGen{
		rng:       rng,
		maxLength: maxLength,
		maxWrites: int64(maxWritesPerKey),
		// elle.txn/key-dist-scale
		scale:  (math.Pow(keyDistBase, float64(keyCount)) - 1) * keyDistBase / (keyDistBase - 1),
		active: make([]int64, keyCount),
		next:   map[int64]int64{},
	}
	for i := range g.active {
		g.active[i] = int64(i)
	}
	return g
}

// keyIndex draws an index into the active keys (elle.txn/rand-key-i,
// :exponential).
func (g *TxnGen) keyIndex() int {
	x := g.rng.Float64()*g.scale + keyDistBase
	i := int(math.Floor(math.Log(x)/math.Log(keyDistBase) - 1))
	return min(max(i, 0), len(g.active)-1)
}

// Next returns the next transaction in the history's value form.
func (g *TxnGen) Next() []any {
	length := minTxnLength + g.rng.IntN(g.maxLength-minTxnLength+1)
	txn := make([]any, 0, length)
	for len(txn) < length {
		write := g.rng.IntN(2) == 1
		i := g.keyIndex()
		k := g.active[i]
		if !write {
			txn = append(txn, []any{"r", k, nil})
			continue
		}
		v := g.next[k]
		if v == 0 {
			v = 1
		}
		if v > g.maxWrites {
			g.retire(i)
			continue
		}
		g.next[k] = v + 1
		txn = append(txn, []any{"w", k, v})
	}
	return txn
}

func (g *TxnGen) retire(i int) {
	old := g.active[i]
	top := g.active[0]
	for _, k := range g.active {
		top = max(top, k)
	}
	delete(g.next, old)
	g.active[i] = top + 1
}
