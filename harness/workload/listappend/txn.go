package listappend

import (
	"fmt"

	"glomers/harness/elle"
	"glomers/harness/history"
)

// mop is one micro-operation: a read ["r", k, list] or an append
// ["append", k, v]. Keys and elements are kept in the history's normalised
// form (int64 in practice; other scalars work, and lists or maps a broken
// node returns are replaced by their printed form). A read's list is nil
// when the key was absent or, in an invocation, not yet read; read tells a
// read of [] from one of nil by nilRead.
type mop struct {
	append  bool
	key     any
	value   any   // the appended element
	list    []any // the list read
	nilRead bool  // the read's value was null
}

func (m mop) f() string {
	if m.append {
		return "append"
	}
	return "r"
}

// asAny renders the mop in the history's value form.
func (m mop) asAny() []any {
	if m.append {
		return []any{"append", m.key, m.value}
	}
	if m.nilRead {
		return []any{"r", m.key, nil}
	}
	return []any{"r", m.key, m.list}
}

// The mop as elle's shared checks see it (elle.Mop).
func (m mop) MopKey() any   { return m.key }
func (m mop) IsWrite() bool { return m.append }
func (m mop) Written() any  { return m.value }

// ReadName names the list read: "nil" for a null read, else its elements.
func (m mop) ReadName() any {
	if m.nilRead {
		return "nil"
	}
	return "[" + listID(m.list) + "]"
}

func (m mop) ReadShown() any { return m.asAny()[2] }

func txnMops(t *txn) []mop { return t.mops }

var scalar = elle.Scalar

// parseTxn reads a transaction value ([[f k v] ...]). With completed set,
// reads must carry a list or null (Maelstrom's ReadRes schema); otherwise
// (an invocation) their value is ignored.
func parseTxn(v any, completed bool) ([]mop, error) {
	return elle.ParseTxn(v, func(f string, m []any) (mop, error) {
		op := mop{key: scalar(m[1])}
		switch f {
		case "append":
			op.append = true
			op.value = scalar(m[2])
		case "r":
			if m[2] == nil {
				op.nilRead = true
				break
			}
			vs, ok := history.AsList(m[2])
			if !ok {
				if completed {
					return op, fmt.Errorf("read of key %v is not a list: %v", m[1], m[2])
				}
				op.nilRead = true
				break
			}
			op.list = make([]any, len(vs))
			for i, x := range vs {
				op.list[i] = scalar(x)
			}
		default:
			return op, elle.UnknownMop(m)
		}
		return op, nil
	})
}
