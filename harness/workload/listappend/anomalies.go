package listappend

import (
	"fmt"
	"sort"
	"strings"

	"glomers/harness/elle"
	"glomers/harness/history"
)

// The non-cycle anomalies of Elle's list-append analysis
// (elle/list_append.clj g1a-cases, g1b-cases, internal-cases,
// dirty-update-cases, duplicates, incompatible-orders, and elle/txn.clj
// lost-update-cases). Each case explains itself in a sentence.

var show = elle.Show

var opName = elle.OpName

// readCase: a committed read that saw an element appended by a failed
// transaction (G1a), or whose last element was not its appender's last
// append to the key (G1b).
type readCase struct {
	Type    string     `json:"-"`
	Op      history.Op `json:"op"`
	Mop     []any      `json:"mop"`
	Writer  history.Op `json:"writer"`
	Element any        `json:"element"`
}

func (c readCase) Explain() string {
	if c.Type == "G1a" {
		return fmt.Sprintf("G1a (aborted read): %s read key %s = %s, which holds element %s, appended by %s, which failed.",
			opName(c.Op), show(c.Mop[1]), show(c.Mop[2]), show(c.Element), opName(c.Writer))
	}
	return fmt.Sprintf("G1b (intermediate read): %s read key %s = %s, ending in element %s, but %s appended to key %s again after %s, so that state was never committed.",
		opName(c.Op), show(c.Mop[1]), show(c.Mop[2]), show(c.Element), opName(c.Writer), show(c.Mop[1]), show(c.Element))
}

// g1aCases: reads of elements appended by failed transactions, one case
// per element.
func g1aCases(txns []*txn) []readCase {
	var out []readCase
	elle.AbortedReads(txns, isFailed, isOK, txnMops, func(m mop) []any { return m.list },
		func(r *txn, m mop, w *txn, e any) {
			out = append(out, readCase{Type: "G1a", Op: r.comp, Mop: m.asAny(), Writer: w.comp, Element: e})
		})
	return out
}

// g1bCases: reads whose last element some other transaction appended and
// then followed with another append to the same key. Every transaction
// (ok, failed or indeterminate) contributes its intermediate appends.
func g1bCases(txns []*txn) []readCase {
	var out []readCase
	lastElem := func(m mop) (any, bool) {
		if len(m.list) == 0 {
			return nil, false
		}
		return last(m.list), true
	}
	elle.IntermediateReads(txns, isOK, txnMops, lastElem, func(r *txn, m mop, w *txn, e any) {
		out = append(out, readCase{Type: "G1b", Op: r.comp, Mop: m.asAny(), Writer: w.comp, Element: e})
	})
	return out
}

func isOK(t *txn) bool     { return t.typ == history.OK }
func isFailed(t *txn) bool { return t.typ == history.Fail }

// unknownPrefix marks, in an expected list, elements before the
// transaction's own appends that it cannot know (Elle's '...).
const unknownPrefix = "..."

// internalCase: a read that disagrees with the transaction's own earlier
// read or appends of the key.
type internalCase struct {
	Op       history.Op `json:"op"`
	Mop      []any      `json:"mop"`
	Expected []any      `json:"expected"`
}

func (c internalCase) Explain() string {
	return fmt.Sprintf("internal: %s read key %s = %s, but its own earlier micro-ops mean it should have read %s.",
		opName(c.Op), show(c.Mop[1]), show(c.Mop[2]), show(c.Expected))
}

// futureReadCase: a read that saw an element the transaction appends only
// later.
type futureReadCase struct {
	Op      history.Op `json:"op"`
	Mop     []any      `json:"mop"`
	Element any        `json:"element"`
}

func (c futureReadCase) Explain() string {
	return fmt.Sprintf("future-read: %s read key %s = %s, which holds element %s, which that same transaction appends only later.",
		opName(c.Op), show(c.Mop[1]), show(c.Mop[2]), show(c.Element))
}

// internalCases is Elle's internal-cases: for each ok txn, the first read
// inconsistent with the expected state of its key (op-int-case), and the
// first read of an element the txn appends later (op-future-read-case).
func internalCases(txns []*txn) (internal []internalCase, future []futureReadCase) {
	for _, t := range txns {
		if t.typ != history.OK {
			continue
		}
		if c, ok := opInternalCase(t); ok {
			internal = append(internal, c)
		}
		if c, ok := opFutureReadCase(t); ok {
			future = append(future, c)
		}
	}
	return internal, future
}

// opInternalCase keeps each key's expected state in a small slice: a
// transaction has a handful of micro-ops, and maps would cost more than
// the scan.
func opInternalCase(t *txn) (internalCase, bool) {
	type keyState struct {
		key   any
		state []any
	}
	var states []keyState
	find := func(k any) int {
		for i := range states {
			if states[i].key == k {
				return i
			}
		}
		return -1
	}
	for _, m := range t.mops {
		i := find(m.key)
		if m.append {
			s := []any{unknownPrefix}
			if i >= 0 {
				s = states[i].state
			}
			next := append(append(make([]any, 0, len(s)+1), s...), m.value)
			if i >= 0 {
				states[i].state = next
			} else {
				states = append(states, keyState{m.key, next})
			}
			continue
		}
		v := m.list
		// A key whose known state is a nil read counts as unknown, as in
		// Elle (a nil state is falsey there; an empty list is not).
		if i >= 0 && states[i].state != nil {
			s := states[i].state
			bad := false
			if len(s) > 0 && s[0] == unknownPrefix {
				j := len(v) + 1 - len(s)
				bad = j < 0 || !equalLists(s[1:], v[j:])
			} else {
				bad = !equalLists(s, v)
			}
			if bad {
				return internalCase{Op: t.comp, Mop: m.asAny(), Expected: s}, true
			}
		}
		if i >= 0 {
			states[i].state = v
		} else {
			states = append(states, keyState{m.key, v})
		}
	}
	return internalCase{}, false
}

func equalLists(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// opFutureReadCase finds the first append whose element an earlier read
// of the same key in the txn already held, and reports that read.
func opFutureReadCase(t *txn) (futureReadCase, bool) {
	for i, m := range t.mops {
		if !m.append {
			continue
		}
		for _, r := range t.mops[:i] {
			if r.append || r.key != m.key {
				continue
			}
			for _, e := range r.list {
				if e == m.value {
					return futureReadCase{Op: t.comp, Mop: r.asAny(), Element: m.value}, true
				}
			}
		}
	}
	return futureReadCase{}, false
}

// duplicateCase: a read in which some element appears more than once.
type duplicateCase struct {
	Op         history.Op `json:"op"`
	Mop        []any      `json:"mop"`
	Duplicates [][2]any   `json:"duplicates"` // [element, count], by element
}

func (c duplicateCase) Explain() string {
	parts := make([]string, len(c.Duplicates))
	for i, d := range c.Duplicates {
		parts[i] = fmt.Sprintf("%s appears %v times", show(d[0]), d[1])
	}
	return fmt.Sprintf("duplicate-elements: %s read key %s = %s, in which %s; each element is appended once, so a list can hold it at most once.",
		opName(c.Op), show(c.Mop[1]), show(c.Mop[2]), strings.Join(parts, ", "))
}

// duplicates checks the reads of ok and info txns.
func duplicates(txns []*txn) []duplicateCase {
	var out []duplicateCase
	for _, t := range txns {
		if t.vertex < 0 {
			continue
		}
		for _, m := range t.mops {
			if m.append || len(m.list) < 2 {
				continue
			}
			counts := map[any]int{}
			for _, e := range m.list {
				counts[e]++
			}
			if len(counts) == len(m.list) {
				continue
			}
			c := duplicateCase{Op: t.comp, Mop: m.asAny()}
			for e, n := range counts {
				if n > 1 {
					c.Duplicates = append(c.Duplicates, [2]any{e, int64(n)})
				}
			}
			sort.Slice(c.Duplicates, func(i, j int) bool { return lessValue(c.Duplicates[i][0], c.Duplicates[j][0]) })
			out = append(out, c)
		}
	}
	return out
}

func lessValue(a, b any) bool {
	ai, aok := a.(int64)
	bi, bok := b.(int64)
	if aok && bok {
		return ai < bi
	}
	if aok != bok {
		return aok
	}
	return fmt.Sprint(a) < fmt.Sprint(b)
}

// sortedValues is Elle's sorted-values: for each key, every distinct
// non-empty list read (by the given txns), shortest first; a key that no
// read saw non-empty but that exactly one micro-op appended to gets the
// list of that one element. ops yields the micro-op lists to scan, as
// Elle scans history ops: with invocations included, each append is seen
// twice (invocation and completion) and so never counts as a single one.
func sortedValues(txns []*txn, withInvocations bool, include func(*txn) bool) map[any][][]any {
	type set struct {
		ids  map[string]bool
		vals [][]any
	}
	byKey := map[any]*set{}
	single := map[any]any{}
	tooMany := map[any]bool{}
	countAppend := func(m mop) {
		if !m.append || tooMany[m.key] {
			return
		}
		if _, ok := single[m.key]; ok {
			delete(single, m.key)
			tooMany[m.key] = true
			return
		}
		single[m.key] = m.value
	}
	for _, t := range txns {
		if withInvocations {
			for _, m := range t.invMops {
				countAppend(m)
			}
		}
		if !include(t) {
			continue
		}
		for _, m := range t.mops {
			countAppend(m)
			if m.append || len(m.list) == 0 {
				continue
			}
			s := byKey[m.key]
			if s == nil {
				s = &set{ids: map[string]bool{}}
				byKey[m.key] = s
			}
			id := listID(m.list)
			if !s.ids[id] {
				s.ids[id] = true
				s.vals = append(s.vals, m.list)
			}
		}
	}
	out := make(map[any][][]any, len(byKey)+len(single))
	for k, v := range single {
		out[k] = [][]any{{v}}
	}
	for k, s := range byKey {
		sort.SliceStable(s.vals, func(i, j int) bool {
			if len(s.vals[i]) != len(s.vals[j]) {
				return len(s.vals[i]) < len(s.vals[j])
			}
			return listID(s.vals[i]) < listID(s.vals[j])
		})
		out[k] = s.vals
	}
	return out
}

// incompatibleCase: two reads of a key neither of which extends the other.
type incompatibleCase struct {
	Key    any     `json:"key"`
	Values [][]any `json:"values"`
}

func (c incompatibleCase) Explain() string {
	return fmt.Sprintf("incompatible-order: key %s was read as %s and as %s; the longer does not extend the shorter, so no single order of appends explains both.",
		show(c.Key), show(c.Values[0]), show(c.Values[1]))
}

// incompatibleOrders reports, for each key, the first pair of successive
// sorted values where the shorter is not a prefix of the longer.
func incompatibleOrders(sv map[any][][]any) []incompatibleCase {
	var out []incompatibleCase
	for k, vals := range sv {
		for i := 0; i+1 < len(vals); i++ {
			a, b := vals[i], vals[i+1]
			if len(a) > len(b) || !equalLists(a, b[:len(a)]) {
				out = append(out, incompatibleCase{Key: k, Values: [][]any{a, b}})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessValue(out[i].Key, out[j].Key) })
	return out
}

// appendIndex is Elle's append-index: for each key, the elements of its
// longest read (duplicates dropped) in order, and each element's position.
type keyOrder struct {
	values  []any
	indices map[any]int
}

func appendIndex(sv map[any][][]any) map[any]*keyOrder {
	out := make(map[any]*keyOrder, len(sv))
	for k, vals := range sv {
		longest := vals[len(vals)-1]
		o := &keyOrder{indices: make(map[any]int, len(longest))}
		for _, e := range longest {
			if _, dup := o.indices[e]; dup {
				continue
			}
			o.indices[e] = len(o.values)
			o.values = append(o.values, e)
		}
		out[k] = o
	}
	return out
}

// dirtyUpdateCase: a committed append that came, in a key's version order,
// after an append of a failed transaction.
type dirtyUpdateCase struct {
	Key    any   `json:"key"`
	Values []any `json:"values"`
	Txns   []any `json:"txns"` // [failed, "...", committed]
}

func (c dirtyUpdateCase) Explain() string {
	f, _ := c.Txns[0].(history.Op)
	o, _ := c.Txns[len(c.Txns)-1].(history.Op)
	return fmt.Sprintf("dirty-update: on key %s, %s appended after %s, which failed: the elements %s were appended in that order, so a committed write built on an aborted one.",
		show(c.Key), opName(o), opName(f), show(c.Values))
}

// errNoWriter: a read showed an element no transaction appended. Elle's
// dirty-update search asserts this cannot happen, and its checker then
// fails with an exception, which Jepsen reports as valid? unknown.
type errNoWriter struct{ key, elem any }

func (e errNoWriter) Error() string {
	return fmt.Sprintf("no transaction wrote %s %s", show(e.key), show(e.elem))
}

// dirtyUpdateCases walks each key's version order from the committed
// initial state, tracking the last transaction whose state is known
// (dirty-update-cases): a failed append followed by a committed one is a
// case; info appends leave what is known unchanged.
func dirtyUpdateCases(order map[any]*keyOrder, txns []*txn) ([]dirtyUpdateCase, error) {
	writer := map[keyElem]*txn{}
	for _, t := range txns {
		for _, m := range t.mops {
			if m.append {
				writer[keyElem{m.key, m.value}] = t
			}
		}
	}
	keys := make([]any, 0, len(order))
	for k := range order {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return lessValue(keys[i], keys[j]) })
	var out []dirtyUpdateCase
	for _, k := range keys {
		t1 := history.OK
		var t1op *txn
		var vs []any
		for _, v := range order[k].values {
			vs = append(vs, v)
			t2 := writer[keyElem{k, v}]
			if t2 == nil {
				return nil, errNoWriter{k, v}
			}
			switch {
			case t2.typ == history.OK && t1 == history.Fail:
				out = append(out, dirtyUpdateCase{Key: k, Values: vs, Txns: []any{t1op.comp, "...", t2.comp}})
				t1, t1op, vs = t2.typ, t2, []any{v}
			case t2.typ == history.OK || (t2.typ == history.Fail && t1 != history.Fail):
				t1, t1op, vs = t2.typ, t2, []any{v}
			}
		}
	}
	return out, nil
}

// lostUpdateCases: several committed transactions read the same state of
// a key and all appended to it (elle.txn/lost-update-cases).
func lostUpdateCases(txns []*txn) []elle.LostUpdateCase {
	return elle.LostUpdateCases(txns, isOK, txnMops, func(t *txn) history.Op { return t.comp }, "appended to it")
}
