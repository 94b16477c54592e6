package listappend

import (
	"fmt"
	"strconv"
	"strings"

	"glomers/harness/elle"
	"glomers/harness/history"
)

// txn is one transaction of the history: its invocation, its completion
// (an op that never completed gets an info completion carrying its
// invocation's value, as Jepsen's histories do) and its micro-ops as
// completed (for ok) or as invoked (otherwise).
type txn struct {
	inv, comp history.Op
	typ       history.Type
	completed bool
	mops      []mop
	invMops   []mop
	// vertex is the txn's id in the dependency graph: ok and info txns are
	// vertices (elle.list-append works on jepsen.history/possible), failed
	// ones are not (-1).
	vertex int
}

// parseHistory pairs the client operations of h and parses every txn.
// Operations whose f is not "txn" are ignored. A micro-op other than a
// read or an append makes the history unanalysable, as Elle's
// verify-mop-types says.
func parseHistory(h history.History) ([]*txn, error) {
	var txns []*txn
	vertices := 0
	for _, p := range elle.TxnPairs(h) {
		t := &txn{inv: p.Inv, comp: p.Comp, typ: p.Comp.Type, vertex: -1, completed: p.Completed}
		var err error
		if t.mops, err = parseTxn(p.Value, t.typ == history.OK); err != nil {
			return nil, fmt.Errorf("history contained operations other than appends or reads: op %d: %w", t.comp.Index, err)
		}
		if t.invMops, err = parseTxn(t.inv.Value, false); err != nil {
			return nil, fmt.Errorf("history contained operations other than appends or reads: op %d: %w", t.inv.Index, err)
		}
		if t.typ == history.OK || t.typ == history.Info {
			t.vertex = vertices
			vertices++
		}
		txns = append(txns, t)
	}
	return txns, nil
}

// verifyUniqueAppends is Elle's verify-unique-appends: every invocation
// must append a value not appended to that key before, or the version
// order cannot be read off the lists.
func verifyUniqueAppends(txns []*txn) error {
	seen := map[keyElem]bool{}
	for _, t := range txns {
		for _, m := range t.invMops {
			if !m.append {
				continue
			}
			ke := keyElem{m.key, m.value}
			if seen[ke] {
				return fmt.Errorf("value %s appended to key %s multiple times (op %d)", show(m.value), show(m.key), t.inv.Index)
			}
			seen[ke] = true
		}
	}
	return nil
}

// keyElem is a key and an element of its list.
type keyElem struct{ k, e any }

// initState stands for a key's initial, empty state in the read index and
// as the element "before" a key's first append (Elle's ::init).
type initState struct{}

var initElem any = initState{}

// listID is a list's identity, for sets of lists.
func listID(l []any) string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte(' ')
		}
		if n, ok := e.(int64); ok {
			b.WriteString(strconv.FormatInt(n, 10))
		} else {
			fmt.Fprintf(&b, "%#v", e)
		}
	}
	return b.String()
}

func last(l []any) any { return l[len(l)-1] }

// mopIndex is the position of the first micro-op equal to m, or -1
// (Elle's index-of).
func (t *txn) mopIndex(match func(mop) bool) int {
	for i, m := range t.mops {
		if match(m) {
			return i
		}
	}
	return -1
}
