package elle

import (
	"fmt"

	"glomers/harness/history"
)

// The non-cycle checks below are shared by the rw-register and
// list-append analyses, as elle/txn.clj shares them: they look at a
// transaction only through its micro-ops, seen as Mop.

// OpName names an op in an explanation: "op 12 (process 3)".
func OpName(o history.Op) string { return fmt.Sprintf("op %d (process %d)", o.Index, o.Process) }

// Mop is one micro-op as the shared checks see it.
type Mop interface {
	MopKey() any    // the key, comparable
	IsWrite() bool  // a write, or an append
	Written() any   // what a write wrote, or an append's element
	ReadName() any  // for a read: a comparable name of what it read
	ReadShown() any // for a read: what it read, as a case reports it
}

// KeyValue is a key and a value written to it, as a map key.
type KeyValue struct{ Key, Value any }

// IntermediateWrites indexes, for G1b, every write that a later write of
// the same key in the same transaction overwrote, with that transaction.
// As in Elle, every transaction contributes, whether it committed, failed
// or is indeterminate.
func IntermediateWrites[T any, M Mop](txns []T, mops func(T) []M) map[KeyValue]T {
	inter := map[KeyValue]T{}
	for _, t := range txns {
		final := map[any]any{}
		for _, m := range mops(t) {
			if !m.IsWrite() {
				continue
			}
			k := m.MopKey()
			if prev, ok := final[k]; ok {
				inter[KeyValue{k, prev}] = t
			}
			final[k] = m.Written()
		}
	}
	return inter
}

// LostUpdate is one lost-update case: the committed transactions that all
// read Value of Key and then wrote Key.
type LostUpdate[T any] struct {
	Key, Value any
	Txns       []T
}

// LostUpdates follows elle.txn/lost-update-cases over the committed
// transactions (committed says which), including its quirk: a key's read
// value is its first read in the transaction, even when that read follows
// a write of the key. Cases come in the order of their first transaction.
func LostUpdates[T any, M Mop](txns []T, committed func(T) bool, mops func(T) []M) []LostUpdate[T] {
	type read struct{ name, shown any }
	idx := map[KeyValue]*LostUpdate[T]{}
	var order []*LostUpdate[T]
	for _, t := range txns {
		if !committed(t) {
			continue
		}
		reads := map[any]read{}
		writes := map[any]bool{}
		for _, m := range mops(t) {
			k, write := m.MopKey(), m.IsWrite()
			rv, isRead := reads[k]
			if write && !writes[k] {
				if !isRead {
					continue
				}
				writes[k] = true
				kv := KeyValue{k, rv.name}
				g := idx[kv]
				if g == nil {
					g = &LostUpdate[T]{Key: k, Value: rv.shown}
					idx[kv] = g
					order = append(order, g)
				}
				g.Txns = append(g.Txns, t)
				continue
			}
			if !write && !isRead {
				reads[k] = read{m.ReadName(), m.ReadShown()}
			}
		}
	}
	var out []LostUpdate[T]
	for _, g := range order {
		if len(g.Txns) >= 2 {
			out = append(out, *g)
		}
	}
	return out
}
