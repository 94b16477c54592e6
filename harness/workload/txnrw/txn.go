package txnrw

import (
	"fmt"

	"glomers/harness/elle"
	"glomers/harness/history"
)

// mop is one micro-operation of a transaction: a read ["r", k, v] or a
// write ["w", k, v]. Keys and values are kept in the history's normalised
// form (int64 in practice; anything comparable works). A read's value is
// nil when the key did not exist (or, in an invocation, was not yet read).
type mop struct {
	write bool
	key   any
	value any
}

func (m mop) f() string {
	if m.write {
		return "w"
	}
	return "r"
}

// asAny renders the mop in the history's value form.
func (m mop) asAny() []any { return []any{m.f(), m.key, m.value} }

// The mop as elle's shared checks see it (elle.Mop).
func (m mop) MopKey() any    { return m.key }
func (m mop) IsWrite() bool  { return m.write }
func (m mop) Written() any   { return m.value }
func (m mop) ReadName() any  { return m.value }
func (m mop) ReadShown() any { return m.value }

func txnMops(t *txn) []mop { return t.mops }

// kv is a key and a value.
type kv struct {
	key   any
	value any
}

// txn is one transaction of the history: its invocation, its completion
// (ok, fail or info; an op that never completed is treated as info) and
// its micro-ops as completed (for ok) or as invoked (otherwise).
type txn struct {
	inv  history.Op
	comp history.Op
	typ  history.Type
	mops []mop
	id   int // dense index among ok transactions, -1 for others
	// extReads are the transaction's external reads (jepsen.txn ext-reads):
	// the first read of each key that precedes any write of that key.
	extReads []kv
	// extWrites are its external writes: the last write of each key.
	extWrites []kv
}

func lookup(kvs []kv, k any) (any, bool) {
	for _, e := range kvs {
		if e.key == k {
			return e.value, true
		}
	}
	return nil, false
}

// parseTxn reads a transaction value ([[f k v] ...]).
func parseTxn(v any) ([]mop, error) {
	return elle.ParseTxn(v, func(f string, m []any) (mop, error) {
		switch f {
		case "r", "w":
			return mop{write: f == "w", key: elle.Scalar(m[1]), value: elle.Scalar(m[2])}, nil
		default:
			return mop{}, elle.UnknownMop(m)
		}
	})
}

// computeExt fills in the external reads and writes.
func (t *txn) computeExt() {
	var written []any
	for _, m := range t.mops {
		if m.write {
			found := false
			for i := range t.extWrites {
				if t.extWrites[i].key == m.key {
					t.extWrites[i].value = m.value
					found = true
					break
				}
			}
			if !found {
				t.extWrites = append(t.extWrites, kv{m.key, m.value})
				written = append(written, m.key)
			}
			continue
		}
		if _, ok := lookup(t.extReads, m.key); ok {
			continue
		}
		wrote := false
		for _, k := range written {
			if k == m.key {
				wrote = true
				break
			}
		}
		if !wrote {
			t.extReads = append(t.extReads, kv{m.key, m.value})
		}
	}
}

// parseHistory pairs the client operations of h and parses every txn
// operation. Operations whose f is not "txn" are ignored. A pair without a
// completion counts as info, with its invocation as completion.
func parseHistory(h history.History) ([]*txn, error) {
	var txns []*txn
	okCount := 0
	for _, p := range elle.TxnPairs(h) {
		t := &txn{inv: p.Inv, comp: p.Comp, typ: p.Comp.Type, id: -1}
		mops, err := parseTxn(p.Value)
		if err != nil {
			return nil, fmt.Errorf("op %d: %w", t.comp.Index, err)
		}
		t.mops = mops
		t.computeExt()
		if t.typ == history.OK {
			t.id = okCount
			okCount++
		}
		txns = append(txns, t)
	}
	return txns, nil
}

// opJSON is how an op appears inside an anomaly report: the completion, as
// Elle reports ops.
func (t *txn) opJSON() history.Op { return t.comp }

// mopIndex is the position of the first micro-op equal to (w, k, v), or -1
// (Elle's index-of).
func (t *txn) mopIndex(write bool, k, v any) int {
	for i, m := range t.mops {
		if m.write == write && m.key == k && m.value == v {
			return i
		}
	}
	return -1
}
