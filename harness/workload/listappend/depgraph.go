package listappend

import (
	"fmt"

	"glomers/harness/elle"
	"glomers/harness/history"
)

// depGraph is the dependency graph of the ok and info transactions, with
// the indexes Elle's list-append explainers read (elle.list-append
// preprocess): each key's version order, who appended each element, and
// who read each state (named by its last element, or initElem).
type depGraph struct {
	g        *elle.Graph
	vertices []*txn // by vertex id
	order    map[any]*keyOrder
	writer   map[keyElem]*txn
	readers  map[keyElem][]*txn
	size     int // Elle's vertex count, for empty-transaction-graph
}

// buildDepGraph derives the ww, wr and rw edges of elle.list-append/graph
// from the version orders the longest reads give (order), and adds the
// process or realtime order when the models need it.
func buildDepGraph(txns []*txn, order map[any]*keyOrder, extra uint8) *depGraph {
	dg := &depGraph{order: order, writer: map[keyElem]*txn{}, readers: map[keyElem][]*txn{}}
	for _, t := range txns {
		if t.vertex < 0 {
			continue
		}
		dg.vertices = append(dg.vertices, t)
		for _, m := range t.mops {
			switch {
			case m.append:
				dg.writer[keyElem{m.key, m.value}] = t
			case t.typ == history.Info && m.nilRead:
				// An info txn's nil read is the invocation's blank, not
				// an observation.
			default:
				st := initElem
				if len(m.list) > 0 {
					st = last(m.list)
				}
				ke := keyElem{m.key, st}
				dg.readers[ke] = append(dg.readers[ke], t)
			}
		}
	}
	b := elle.NewGraphBuilder(len(dg.vertices))
	for _, t := range dg.vertices {
		for _, m := range t.mops {
			if !m.append {
				if w := dg.wrDep(t, m); w != nil {
					b.Link(w.vertex, t.vertex, elle.RelWR)
				}
				continue
			}
			if w := dg.wwDep(t, m); w != nil {
				b.Link(w.vertex, t.vertex, elle.RelWW)
			}
			for _, r := range dg.rwDeps(t, m) {
				b.Link(r.vertex, t.vertex, elle.RelRW)
			}
		}
	}
	switch {
	case extra&elle.RelRealtime != 0:
		elle.LinkRealtime(b, timings(txns))
	case extra&elle.RelProcess != 0:
		elle.LinkProcess(b, timings(txns))
	}
	dg.g = b.Build()
	dg.size = b.VertexCount()
	return dg
}

func timings(txns []*txn) []elle.Timing {
	out := make([]elle.Timing, len(txns))
	for i, t := range txns {
		out[i] = elle.Timing{Vertex: t.vertex, Inv: t.inv, Comp: t.comp, Completed: t.completed}
	}
	return out
}

// wrDep is the other txn that appended the last element a read saw
// (wr-mop-dep).
func (dg *depGraph) wrDep(t *txn, m mop) *txn {
	if len(m.list) == 0 {
		return nil
	}
	if w := dg.writer[keyElem{m.key, last(m.list)}]; w != t {
		return w
	}
	return nil
}

// prevElement is the element appended just before an append, in its key's
// version order; for an append never read, the last element read, since it
// came after all of those (previously-appended-element). initElem when it
// was, or can only be shown to follow, the initial state.
func (dg *depGraph) prevElement(m mop) any {
	o := dg.order[m.key]
	if o == nil || len(o.values) == 0 {
		return initElem
	}
	if i, ok := o.indices[m.value]; ok {
		if i == 0 {
			return initElem
		}
		return o.values[i-1]
	}
	return o.values[len(o.values)-1]
}

// wwDep is the other txn that appended the element before this append
// (ww-mop-dep).
func (dg *depGraph) wwDep(t *txn, m mop) *txn {
	prev := dg.prevElement(m)
	if prev == initElem {
		return nil
	}
	if w := dg.writer[keyElem{m.key, prev}]; w != t {
		return w
	}
	return nil
}

// rwDeps are the other txns that read the state just before this append
// (rw-mop-deps).
func (dg *depGraph) rwDeps(t *txn, m mop) []*txn {
	rs := dg.readers[keyElem{m.key, dg.prevElement(m)}]
	out := rs[:0:0]
	for _, r := range rs {
		if r != t {
			out = append(out, r)
		}
	}
	return out
}

func (dg *depGraph) ops(v int32) (history.Op, history.Op) {
	t := dg.vertices[v]
	return t.inv, t.comp
}

func elemJSON(e any) any {
	if e == initElem {
		return nil
	}
	return e
}

// explainStep says why a precedes b by a data relation, as
// elle.list-append's WW, WR and RW explainers do, in their words.
func (dg *depGraph) explainStep(rel uint8, av, bv int32) (map[string]any, func(string, string) string) {
	a, b := dg.vertices[av], dg.vertices[bv]
	for bi, m := range b.mops {
		switch {
		case rel == elle.RelWW && m.append && dg.wwDep(b, m) == a:
			prev := dg.prevElement(m)
			return map[string]any{"key": m.key, "value": prev, "value'": m.value,
					"a-mop-index": a.mopIndex(func(x mop) bool { return x.append && x.key == m.key && x.value == prev }),
					"b-mop-index": bi}, func(an, bn string) string {
					return fmt.Sprintf("%s appended %s after %s appended %s to %s", bn, show(m.value), an, show(prev), show(m.key))
				}
		case rel == elle.RelWR && !m.append && dg.wrDep(b, m) == a:
			e := last(m.list)
			return map[string]any{"key": m.key, "value": e,
					"a-mop-index": a.mopIndex(func(x mop) bool { return x.append && x.key == m.key && x.value == e }),
					"b-mop-index": bi}, func(an, bn string) string {
					return fmt.Sprintf("%s observed %s's append of %s to key %s", bn, an, show(e), show(m.key))
				}
		case rel == elle.RelRW && m.append && contains(dg.rwDeps(b, m), a):
			prev := dg.prevElement(m)
			return map[string]any{"key": m.key, "value": elemJSON(prev), "value'": m.value,
					"a-mop-index": a.mopIndex(func(x mop) bool {
						if x.append || x.key != m.key {
							return false
						}
						if prev == initElem {
							return len(x.list) == 0
						}
						return len(x.list) > 0 && last(x.list) == prev
					}),
					"b-mop-index": bi}, func(an, bn string) string {
					if prev == initElem {
						return fmt.Sprintf("%s observed the initial (nil) state of %s, which %s created by appending %s", an, show(m.key), bn, show(m.value))
					}
					return fmt.Sprintf("%s did not observe %s's append of %s to %s", an, bn, show(m.value), show(m.key))
				}
		}
	}
	return map[string]any{}, func(an, bn string) string {
		return fmt.Sprintf("%s %s-precedes %s", an, elle.RelName(rel), bn)
	}
}

func contains(ts []*txn, t *txn) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}
