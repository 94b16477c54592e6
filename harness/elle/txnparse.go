package elle

import (
	"fmt"

	"glomers/harness/history"
)

// Reading transactions out of a history, shared by the rw-register and
// list-append workloads: both send Maelstrom's `txn` op, a list of
// [f k v] micro-ops, and differ only in which f they accept and what a
// micro-op's value holds, which each workload's parse function decides.

// Scalar makes a key or value usable as a map key: integers in the
// history's int64 form, other scalars as they are, and lists or maps (which
// a broken node might return) replaced by their printed form.
func Scalar(v any) any {
	if i, ok := history.AsInt(v); ok {
		return i
	}
	switch v.(type) {
	case nil, bool, int64, float64, string:
		return v
	default:
		return fmt.Sprintf("%v", v)
	}
}

// ParseTxn reads a transaction value ([[f k v] ...]), handing each micro-op's
// function name and its three elements to parse. A nil value is an empty
// transaction; anything else that is not a list of three-element lists is
// an error.
func ParseTxn[M any](v any, parse func(f string, m []any) (M, error)) ([]M, error) {
	l, ok := history.AsList(v)
	if !ok {
		if v == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("transaction is not a list: %v", v)
	}
	out := make([]M, 0, len(l))
	for _, e := range l {
		m, ok := history.AsList(e)
		if !ok || len(m) != 3 {
			return nil, fmt.Errorf("micro-op is not [f k v]: %v", e)
		}
		f, _ := history.AsString(m[0])
		op, err := parse(f, m)
		if err != nil {
			return nil, err
		}
		out = append(out, op)
	}
	return out, nil
}

// UnknownMop is the error for a micro-op whose function a workload does
// not know.
func UnknownMop(m []any) error { return fmt.Errorf("micro-op has unknown function %v", m[0]) }

// TxnPair is one `txn` operation of a history: its invocation and its
// completion (an op that never completed gets an info completion carrying
// its invocation, as Jepsen's histories do), and Value, the micro-ops to
// read: the completion's for ok, else the completion's when it has any and
// the invocation's otherwise.
type TxnPair struct {
	Inv, Comp history.Op
	Completed bool // the op had a completion in the history
	Value     any
}

// TxnPairs pairs the client operations of h and keeps the `txn` ones, in
// invocation order. Operations whose f is not "txn" are ignored.
func TxnPairs(h history.History) []TxnPair {
	var out []TxnPair
	for _, p := range h.Pairs() {
		if p.Invoke.F != "txn" {
			continue
		}
		t := TxnPair{Inv: p.Invoke, Completed: p.Complete != nil}
		if p.Complete == nil {
			t.Comp = p.Invoke
			t.Comp.Type = history.Info
		} else {
			t.Comp = *p.Complete
		}
		t.Value = t.Comp.Value
		if t.Comp.Type != history.OK && t.Value == nil {
			t.Value = t.Inv.Value
		}
		out = append(out, t)
	}
	return out
}
