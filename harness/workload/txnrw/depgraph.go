package txnrw

import (
	"fmt"
	"sort"
	"strings"

	"glomers/harness/elle"
	"glomers/harness/history"
)

// versionGraphs maps each key to its (partial) version order: value ->
// values known to follow it. nil stands for the initial, absent version.
type versionGraphs map[any]map[any]map[any]bool

func (vg versionGraphs) link(k, a, b any) {
	if a == b {
		return
	}
	m := vg[k]
	if m == nil {
		m = map[any]map[any]bool{}
		vg[k] = m
	}
	s := m[a]
	if s == nil {
		s = map[any]bool{}
		m[a] = s
	}
	s[b] = true
}

func (vg versionGraphs) follows(k, a, b any) bool { return vg[k][a][b] }

func (vg versionGraphs) clone() versionGraphs {
	out := versionGraphs{}
	for k, m := range vg {
		for a, s := range m {
			for b := range s {
				out.link(k, a, b)
			}
		}
	}
	return out
}

// cyclicVersionsCase: the inferred version order of a key has a cycle.
type cyclicVersionsCase struct {
	Key     any      `json:"key"`
	SCC     []any    `json:"scc"`
	Sources []string `json:"sources"`
}

// inferVersions builds the version graphs as elle.rw-register/version-graphs
// does with :wfr-keys? on (Maelstrom's setting): first the initial nil
// precedes every value written (by ok or info txns) or read (by ok txns);
// then, within each ok txn, a value read externally precedes the value the
// txn writes to the same key. If adding the writes-follow-reads orders
// makes some key's order cyclic, Elle reports cyclic-versions and keeps
// only the initial-state orders; so do we.
func inferVersions(txns []*txn) (versionGraphs, []cyclicVersionsCase) {
	initial := versionGraphs{}
	for _, t := range txns {
		if t.typ != history.OK && t.typ != history.Info {
			continue
		}
		for _, e := range t.extWrites {
			if e.value != nil {
				initial.link(e.key, nil, e.value)
			}
		}
		if t.typ == history.OK {
			for _, e := range t.extReads {
				if e.value != nil {
					initial.link(e.key, nil, e.value)
				}
			}
		}
	}
	combined := initial.clone()
	for _, t := range txns {
		if t.typ != history.OK {
			continue
		}
		for _, r := range t.extReads {
			if r.value == nil {
				continue
			}
			if w, ok := lookup(t.extWrites, r.key); ok {
				combined.link(r.key, r.value, w)
			}
		}
	}
	cases := cyclicVersions(combined, []string{"initial-state", "wfr-keys"})
	if len(cases) > 0 {
		return initial, cases
	}
	return combined, nil
}

// cyclicVersions finds the non-trivial strongly connected components of
// each key's version graph.
func cyclicVersions(vg versionGraphs, sources []string) []cyclicVersionsCase {
	var out []cyclicVersionsCase
	for k, m := range vg {
		ids := map[any]int32{}
		var vals []any
		id := func(v any) int32 {
			if i, ok := ids[v]; ok {
				return i
			}
			ids[v] = int32(len(vals))
			vals = append(vals, v)
			return ids[v]
		}
		type pair struct{ a, b int32 }
		var es []pair
		for a, s := range m {
			for b := range s {
				es = append(es, pair{id(a), id(b)})
			}
		}
		adj := make([][]int32, len(vals))
		for _, e := range es {
			adj[e.a] = append(adj[e.a], e.b)
		}
		for _, g := range elle.Components(len(vals), func(v int32, visit func(int32)) {
			for _, w := range adj[v] {
				visit(w)
			}
		}, 2) {
			scc := make([]any, len(g))
			for i, v := range g {
				scc[i] = vals[v]
			}
			sortValues(scc)
			out = append(out, cyclicVersionsCase{Key: k, SCC: scc, Sources: sources})
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessValue(out[i].Key, out[j].Key) })
	return out
}

func lessValue(a, b any) bool {
	ai, aok := a.(int64)
	bi, bok := b.(int64)
	switch {
	case aok && bok:
		return ai < bi
	case a == nil:
		return b != nil
	case b == nil:
		return false
	case aok != bok:
		return aok
	}
	return fmt.Sprint(a) < fmt.Sprint(b)
}

func sortValues(vs []any) { sort.Slice(vs, func(i, j int) bool { return lessValue(vs[i], vs[j]) }) }

// depGraph is the transaction dependency graph of the ok transactions.
type depGraph struct {
	g        *elle.Graph
	oks      []*txn // by id
	versions versionGraphs
	// vertices is the vertex count of Elle's graph, for
	// empty-transaction-graph.
	vertices int
}

// errDuplicateWrite: two committed transactions wrote the same value to a
// key. Elle's wr-graph refuses such histories (it throws, and Jepsen's
// checker then reports valid? unknown), because a read of that value has
// no unique writer.
type errDuplicateWrite struct {
	key, value any
	writers    []history.Op
}

func (e *errDuplicateWrite) Error() string {
	idx := make([]int, len(e.writers))
	for i, w := range e.writers {
		idx[i] = w.Index
	}
	return fmt.Sprintf("key %v had value %v written by more than one op (indices %v)", e.key, e.value, idx)
}

// buildDepGraph derives ww, wr and rw edges (elle.rw-register/graph): wr
// from each committed write to each committed external read of that value;
// ww and rw from each edge v1 -> v2 of a key's version graph, from the
// writers (ww) and readers (rw) of v1 to the writers of v2. extra adds the
// process or realtime order when the requested models need it
// (elle.txn/additional-graphs).
func buildDepGraph(txns []*txn, versions versionGraphs, extra uint8) (*depGraph, error) {
	var oks []*txn
	for _, t := range txns {
		if t.typ == history.OK {
			oks = append(oks, t)
		}
	}
	type kvIndex map[keyValue][]int
	writers, readers := kvIndex{}, kvIndex{}
	for _, t := range oks {
		for _, e := range t.extWrites {
			k := keyValue{e.key, e.value}
			writers[k] = append(writers[k], t.id)
		}
		for _, e := range t.extReads {
			k := keyValue{e.key, e.value}
			readers[k] = append(readers[k], t.id)
		}
	}
	b := elle.NewGraphBuilder(len(oks))
	// wr edges. Iterate in a stable order so that any error is stable.
	rkeys := make([]keyValue, 0, len(readers))
	for k := range readers {
		rkeys = append(rkeys, k)
	}
	sort.Slice(rkeys, func(i, j int) bool {
		if rkeys[i].k != rkeys[j].k {
			return lessValue(rkeys[i].k, rkeys[j].k)
		}
		return lessValue(rkeys[i].v, rkeys[j].v)
	})
	for _, k := range rkeys {
		ws := writers[k]
		switch {
		case len(ws) == 0:
		case len(ws) == 1:
			for _, r := range readers[k] {
				b.Link(ws[0], r, elle.RelWR)
			}
		default:
			e := &errDuplicateWrite{key: k.k, value: k.v}
			for _, w := range ws {
				e.writers = append(e.writers, oks[w].comp)
			}
			return nil, e
		}
	}
	// ww and rw edges from the version order.
	for key, m := range versions {
		for v1, succ := range m {
			w1 := writers[keyValue{key, v1}]
			r1 := readers[keyValue{key, v1}]
			for v2 := range succ {
				w2 := writers[keyValue{key, v2}]
				for _, b2 := range w2 {
					for _, a := range w1 {
						b.Link(a, b2, elle.RelWW)
					}
					for _, a := range r1 {
						b.Link(a, b2, elle.RelRW)
					}
				}
			}
		}
	}
	switch {
	case extra&elle.RelRealtime != 0:
		elle.LinkRealtime(b, timings(txns))
	case extra&elle.RelProcess != 0:
		elle.LinkProcess(b, timings(txns))
	}
	return &depGraph{g: b.Build(), oks: oks, versions: versions, vertices: b.VertexCount()}, nil
}

// timings are what the process and realtime orders need of every txn:
// ok ones are vertices, the others are not.
func timings(txns []*txn) []elle.Timing {
	out := make([]elle.Timing, len(txns))
	for i, t := range txns {
		out[i] = elle.Timing{Vertex: t.id, Inv: t.inv, Comp: t.comp, Completed: t.comp.Index != t.inv.Index}
	}
	return out
}

// Explain says what the case means.
func (c cyclicVersionsCase) Explain() string {
	return fmt.Sprintf("cyclic-versions: the version order inferred for key %s (from %s) is cyclic among values %s.",
		elle.Show(c.Key), strings.Join(c.Sources, " and "), elle.Show(c.SCC))
}
