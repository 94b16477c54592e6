package elle

import (
	"encoding/json"
	"fmt"
	"strings"

	"glomers/harness/history"
)

// CycleReport is one cycle as Elle reports it (elle.core cycle-explainer):
// the transactions in order, the first repeated at the end, and why each
// precedes the next.
type CycleReport struct {
	Cycle []history.Op     `json:"cycle"`
	Steps []map[string]any `json:"steps"`
	Type  string           `json:"type"`
	// why holds one sentence per step, with the transactions named T1,
	// T2, ... in cycle order.
	why []string
}

// StepExplainer explains a data step a -> b (rel is RelWW, RelWR or RelRW)
// as the workload's Elle explainer does: the step's fields besides "type",
// and the reason in words given the two transactions' names.
type StepExplainer func(rel uint8, a, b int32) (fields map[string]any, why func(aName, bName string) string)

// VertexOps returns a vertex's invocation and completion.
type VertexOps func(v int32) (inv, comp history.Op)

// AddCycleAnomalies runs FindCycles and adds what it finds to anomalies,
// by type: each cycle explained (NewCycleReport), each cycle-exists case
// as it is. Every transactional checker ends its analysis with it.
func AddCycleAnomalies(anomalies map[string]any, g *Graph, variant uint8, indices []int, order ExplainerOrder, ops VertexOps, data StepExplainer) {
	cycles, exists := FindCycles(g, variant, indices, order)
	for typ, cs := range cycles {
		out := make([]CycleReport, len(cs))
		for i, c := range cs {
			out[i] = NewCycleReport(typ, c, ops, data)
		}
		anomalies[typ] = out
	}
	for typ, cs := range exists {
		anomalies[typ] = cs
	}
}

// NewCycleReport explains cycle c of type typ. Process and realtime steps
// are explained here, as elle.core's ProcessExplainer and
// RealtimeExplainer do; data steps by the workload's explainer.
func NewCycleReport(typ string, c Cycle, ops VertexOps, data StepExplainer) CycleReport {
	r := CycleReport{Type: typ}
	for _, v := range c.Verts {
		_, comp := ops(v)
		r.Cycle = append(r.Cycle, comp)
	}
	for i, rel := range c.Rels {
		a, b := c.Verts[i], c.Verts[i+1]
		step := map[string]any{"type": relName(rel)}
		var why func(string, string) string
		switch rel {
		case RelProcess:
			_, ac := ops(a)
			step["process"] = ac.Process
			why = func(an, bn string) string {
				return fmt.Sprintf("process %d executed %s before %s", ac.Process, an, bn)
			}
		case RelRealtime:
			_, ac := ops(a)
			bi, _ := ops(b)
			step["a'"], step["b"] = ac, bi
			why = func(an, bn string) string { return realtimeWhy(ac, bi, an, bn) }
		default:
			var fields map[string]any
			fields, why = data(rel, a, b)
			for k, v := range fields {
				step[k] = v
			}
		}
		r.Steps = append(r.Steps, step)
		r.why = append(r.why, why(txnName(i), txnName((i+1)%len(c.Rels))))
	}
	return r
}

func txnName(i int) string { return fmt.Sprintf("T%d", i+1) }

// realtimeWhy is the RealtimeExplainer's sentence: times are approximate,
// so a gap that is not positive is said as "just before".
func realtimeWhy(a, b history.Op, an, bn string) string {
	gap := " just"
	if dt := b.Time - a.Time; dt > 0 {
		gap = fmt.Sprintf(" %.3f seconds", float64(dt)/1e9)
	}
	return fmt.Sprintf("%s completed at index %d,%s before the invocation of %s, at index %d",
		an, a.Index, gap, bn, b.Index)
}

// Explain renders the cycle as Elle's cycle explainer does: the
// transactions named, then one sentence per step, the last one closing the
// contradiction.
func (r CycleReport) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s cycle. Let:", r.Type)
	for i, op := range r.Cycle[:len(r.Cycle)-1] {
		sep := ","
		if i == len(r.Cycle)-2 {
			sep = "."
		}
		fmt.Fprintf(&b, " %s = op %d (process %d, %s)%s", txnName(i), op.Index, op.Process, Show(op.Value), sep)
	}
	b.WriteString(" Then:")
	for i, w := range r.why {
		if i == len(r.why)-1 {
			fmt.Fprintf(&b, " However, %s < %s, because %s: a contradiction!", txnName(i), txnName((i+1)%len(r.why)), w)
		} else {
			fmt.Fprintf(&b, " %s < %s, because %s.", txnName(i), txnName(i+1), w)
		}
	}
	return b.String()
}

// Show prints a key, element or value the way Elle's pr-str shows it:
// strings quoted, nil as nil, lists in brackets without commas.
func Show(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		b, _ := json.Marshal(x)
		return string(b)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Show(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

// Explain says what a cycle-exists case means.
func (c CycleExistsCase) Explain() string {
	return fmt.Sprintf("%s: the %s dependencies among ops %v form a cycle, which %s forbids (no single cycle was picked out to explain it).",
		c.Type, subgraphWords(c.Subgraph), c.SCC, c.Not)
}

func subgraphWords(sg []any) string {
	var parts []string
	for _, x := range sg {
		switch y := x.(type) {
		case string:
			if y != "union" && y != "extension" {
				parts = append(parts, y)
			}
		case []any:
			parts = append(parts, subgraphWords(y))
		}
	}
	return strings.Join(parts, "/")
}
