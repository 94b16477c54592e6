package txnrw

import (
	"fmt"

	"glomers/harness/elle"
	"glomers/harness/history"
)

// The non-cycle anomalies of Elle's rw-register analysis
// (elle/rw_register.clj internal-cases, g1a-cases, g1b-cases, and
// elle/txn.clj lost-update-cases).
//
// Elle's list-append analysis also reports dirty updates (a write layered
// on an aborted write); rw_register.clj does not, because with registers a
// write cannot reveal what it overwrote: the only way to build on an
// aborted write is to read it first, and that read is already G1a.

// internalCase: a read inside a transaction that does not observe the
// transaction's own earlier write or read of the same key.
type internalCase struct {
	Op       history.Op `json:"op"`
	Mop      []any      `json:"mop"`
	Expected any        `json:"expected"`
}

// readCase: a committed read of a value written by a failed transaction
// (G1a) or of a value that was not its writer's last write of the key
// (G1b).
type readCase struct {
	kind   string     // G1a or G1b
	Op     history.Op `json:"op"`
	Mop    []any      `json:"mop"`
	Writer history.Op `json:"writer"`
}

func internalCases(txns []*txn) []internalCase {
	var out []internalCase
	for _, t := range txns {
		if t.typ != history.OK {
			continue
		}
		state := map[any]any{}
		for _, m := range t.mops {
			if m.write {
				state[m.key] = m.value
				continue
			}
			s, known := state[m.key]
			if known && s != m.value {
				out = append(out, internalCase{Op: t.opJSON(), Mop: m.asAny(), Expected: s})
				break // Elle reports the first violation of each txn
			}
			state[m.key] = m.value
		}
	}
	return out
}

type keyValue struct{ k, v any }

// g1aCases finds committed reads of values written by failed
// transactions.
func g1aCases(txns []*txn) []readCase {
	var out []readCase
	elle.AbortedReads(txns, isFailed, isOK, txnMops, func(m mop) []any { return []any{m.value} },
		func(r *txn, m mop, w *txn, _ any) {
			out = append(out, readCase{kind: "G1a", Op: r.opJSON(), Mop: m.asAny(), Writer: w.opJSON()})
		})
	return out
}

// g1bCases finds reads of intermediate writes. As in Elle, every
// transaction (ok, fail or info) contributes its intermediate writes, and a
// transaction reading its own intermediate write is not an anomaly.
func g1bCases(txns []*txn) []readCase {
	var out []readCase
	value := func(m mop) (any, bool) { return m.value, true }
	elle.IntermediateReads(txns, isOK, txnMops, value, func(r *txn, m mop, w *txn, _ any) {
		out = append(out, readCase{kind: "G1b", Op: r.opJSON(), Mop: m.asAny(), Writer: w.opJSON()})
	})
	return out
}

func isOK(t *txn) bool     { return t.typ == history.OK }
func isFailed(t *txn) bool { return t.typ == history.Fail }

// lostUpdateCases: several committed transactions read the same version
// of a key and all wrote it (elle.txn/lost-update-cases).
func lostUpdateCases(txns []*txn) []elle.LostUpdateCase {
	return elle.LostUpdateCases(txns, isOK, txnMops, (*txn).opJSON, "wrote it")
}

var opName = elle.OpName

// Explain says what the case means (check.Explainer, through elle.Result).
func (c internalCase) Explain() string {
	return fmt.Sprintf("internal: %s read key %s = %s, but its own earlier micro-ops mean it should have read %s.",
		opName(c.Op), elle.Show(c.Mop[1]), elle.Show(c.Mop[2]), elle.Show(c.Expected))
}

// Explain says what the case means.
func (c readCase) Explain() string {
	if c.kind == "G1a" {
		return fmt.Sprintf("G1a (aborted read): %s read key %s = %s, written by %s, which failed.",
			opName(c.Op), elle.Show(c.Mop[1]), elle.Show(c.Mop[2]), opName(c.Writer))
	}
	return fmt.Sprintf("G1b (intermediate read): %s read key %s = %s, but %s wrote %s to key %s and then overwrote it, so that value was never committed.",
		opName(c.Op), elle.Show(c.Mop[1]), elle.Show(c.Mop[2]), opName(c.Writer), elle.Show(c.Mop[2]), elle.Show(c.Mop[1]))
}
