package elle

import (
	"fmt"
	"strings"

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

// AbortedReads is the search of elle's g1a-cases: for every read, in a
// committed transaction, of an element (elems lists what a read saw: its
// value, or a list's elements) written by a failed transaction, it calls
// found with the reader, the read, the failed writer and the element, in
// history order.
func AbortedReads[T any, M Mop](txns []T, failed, committed func(T) bool, mops func(T) []M, elems func(M) []any, found func(r T, m M, w T, e any)) {
	writers := map[KeyValue]T{}
	for _, t := range txns {
		if !failed(t) {
			continue
		}
		for _, m := range mops(t) {
			if m.IsWrite() {
				writers[KeyValue{m.MopKey(), m.Written()}] = t
			}
		}
	}
	if len(writers) == 0 {
		return
	}
	eachCommittedRead(txns, committed, mops, func(t T, m M) {
		for _, e := range elems(m) {
			if w, ok := writers[KeyValue{m.MopKey(), e}]; ok {
				found(t, m, w, e)
			}
		}
	})
}

// eachCommittedRead calls fn with every read of every committed
// transaction, in history order.
func eachCommittedRead[T any, M Mop](txns []T, committed func(T) bool, mops func(T) []M, fn func(T, M)) {
	for _, t := range txns {
		if !committed(t) {
			continue
		}
		for _, m := range mops(t) {
			if !m.IsWrite() {
				fn(t, m)
			}
		}
	}
}

// IntermediateReads is the search of elle's g1b-cases: for every read, in
// a committed transaction, whose last element (last says what it is, and
// whether the read saw any) another transaction overwrote with a later
// write of the same key (IntermediateWrites), it calls found with the
// reader, the read, the writer and the element, in history order. A
// transaction reading its own intermediate write is not a case.
func IntermediateReads[T comparable, M Mop](txns []T, committed func(T) bool, mops func(T) []M, last func(M) (any, bool), found func(r T, m M, w T, e any)) {
	inter := IntermediateWrites(txns, mops)
	if len(inter) == 0 {
		return
	}
	eachCommittedRead(txns, committed, mops, func(t T, m M) {
		if e, ok := last(m); ok {
			if w, ok := inter[KeyValue{m.MopKey(), e}]; ok && w != t {
				found(t, m, w, e)
			}
		}
	})
}

// LostUpdateCase is a lost-update case as reported: several committed
// transactions (their completions) read the same state of a key and all
// wrote it.
type LostUpdateCase struct {
	Key   any          `json:"key"`
	Value any          `json:"value"`
	Txns  []history.Op `json:"txns"`
	verb  string       // what the txns did to the key: "wrote it", "appended to it"
}

// LostUpdateCases reports LostUpdates with each transaction as its
// completion (comp). verb says what a write is in the workload's words
// ("wrote it", "appended to it").
func LostUpdateCases[T any, M Mop](txns []T, committed func(T) bool, mops func(T) []M, comp func(T) history.Op, verb string) []LostUpdateCase {
	var out []LostUpdateCase
	for _, c := range LostUpdates(txns, committed, mops) {
		ops := make([]history.Op, len(c.Txns))
		for i, t := range c.Txns {
			ops[i] = comp(t)
		}
		out = append(out, LostUpdateCase{Key: c.Key, Value: c.Value, Txns: ops, verb: verb})
	}
	return out
}

// Explain says what the case means (check.Explainer, through Result).
func (c LostUpdateCase) Explain() string {
	names := make([]string, len(c.Txns))
	for i, o := range c.Txns {
		names[i] = OpName(o)
	}
	return fmt.Sprintf("lost-update: %s each read key %s = %s and then %s: all but one of those updates were lost.",
		strings.Join(names, ", "), Show(c.Key), Show(c.Value), c.verb)
}
