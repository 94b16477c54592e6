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

// lostUpdateCase: several committed transactions read the same version of
// a key and all wrote that key.
type lostUpdateCase struct {
	Key   any          `json:"key"`
	Value any          `json:"value"`
	Txns  []history.Op `json:"txns"`
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

func g1aCases(txns []*txn) []readCase {
	failed := map[keyValue]*txn{}
	for _, t := range txns {
		if t.typ != history.Fail {
			continue
		}
		for _, m := range t.mops {
			if m.write {
				failed[keyValue{m.key, m.value}] = t
			}
		}
	}
	if len(failed) == 0 {
		return nil
	}
	var out []readCase
	for _, t := range txns {
		if t.typ != history.OK {
			continue
		}
		for _, m := range t.mops {
			if m.write {
				continue
			}
			if w, ok := failed[keyValue{m.key, m.value}]; ok {
				out = append(out, readCase{kind: "G1a", Op: t.opJSON(), Mop: m.asAny(), Writer: w.opJSON()})
			}
		}
	}
	return out
}

// g1bCases finds reads of intermediate writes. As in Elle, every
// transaction (ok, fail or info) contributes its intermediate writes, and a
// transaction reading its own intermediate write is not an anomaly.
func g1bCases(txns []*txn) []readCase {
	inter := elle.IntermediateWrites(txns, txnMops)
	if len(inter) == 0 {
		return nil
	}
	var out []readCase
	for _, t := range txns {
		if t.typ != history.OK {
			continue
		}
		for _, m := range t.mops {
			if m.write {
				continue
			}
			if w, ok := inter[elle.KeyValue{Key: m.key, Value: m.value}]; ok && w != t {
				out = append(out, readCase{kind: "G1b", Op: t.opJSON(), Mop: m.asAny(), Writer: w.opJSON()})
			}
		}
	}
	return out
}

// lostUpdateCases: elle.LostUpdates (elle.txn/lost-update-cases).
func lostUpdateCases(txns []*txn) []lostUpdateCase {
	var out []lostUpdateCase
	for _, c := range elle.LostUpdates(txns, func(t *txn) bool { return t.typ == history.OK }, txnMops) {
		ops := make([]history.Op, len(c.Txns))
		for i, t := range c.Txns {
			ops[i] = t.opJSON()
		}
		out = append(out, lostUpdateCase{Key: c.Key, Value: c.Value, Txns: ops})
	}
	return out
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

// Explain says what the case means.
func (c lostUpdateCase) Explain() string {
	names := ""
	for i, o := range c.Txns {
		if i > 0 {
			names += ", "
		}
		names += opName(o)
	}
	return fmt.Sprintf("lost-update: %s each read key %s = %s and then wrote it: all but one of those updates were lost.",
		names, elle.Show(c.Key), elle.Show(c.Value))
}
