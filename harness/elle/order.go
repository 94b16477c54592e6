package elle

import (
	"sort"

	"glomers/harness/history"
)

// Timing is what the process and realtime orders need to know of one
// transaction.
type Timing struct {
	// Vertex is the transaction's id in the graph, or -1 when it is not a
	// vertex (the analysis leaves it out, e.g. a failed transaction).
	Vertex int
	// Inv and Comp are its invocation and completion; Completed is false
	// when the history has no completion for it.
	Inv, Comp history.Op
	Completed bool
}

// LinkProcess adds Elle's process order (elle.core/process-graph): each
// process's consecutive ok transactions, in history order.
func LinkProcess(b *GraphBuilder, txns []Timing) {
	var oks []Timing
	for _, t := range txns {
		if t.Completed && t.Comp.Type == history.OK && t.Vertex >= 0 {
			oks = append(oks, t)
		}
	}
	sort.Slice(oks, func(i, j int) bool { return oks[i].Comp.Index < oks[j].Comp.Index })
	last := map[int]int{}
	for _, t := range oks {
		if prev, ok := last[t.Comp.Process]; ok {
			b.Link(prev, t.Vertex, RelProcess)
		}
		last[t.Comp.Process] = t.Vertex
	}
}

// LinkRealtime adds Elle's realtime order (elle.core/realtime-graph): an
// ok transaction precedes every transaction invoked after it completed.
// As in Elle, only a transitive reduction is kept: each invocation is
// linked from the current frontier of completed ok transactions, and an ok
// completion removes its own realtime predecessors from the frontier.
// Edges into transactions that are not vertices (Vertex -1: failed, or
// left out by the analysis) cannot lie on a cycle, so they are only
// counted, for the empty-graph test.
func LinkRealtime(b *GraphBuilder, txns []Timing) {
	type event struct {
		index  int
		invoke bool
		t      *Timing
	}
	evs := make([]event, 0, 2*len(txns))
	for i := range txns {
		t := &txns[i]
		evs = append(evs, event{t.Inv.Index, true, t})
		if t.Completed && t.Comp.Type == history.OK && t.Vertex >= 0 {
			evs = append(evs, event{t.Comp.Index, false, t})
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].index < evs[j].index })
	// The frontier is a set of vertices kept as a slice plus positions, so
	// that linking from it costs no map iteration.
	var frontier []int
	pos := make([]int, b.n)
	for i := range pos {
		pos[i] = -1
	}
	remove := func(v int) {
		i := pos[v]
		if i < 0 {
			return
		}
		lastV := frontier[len(frontier)-1]
		frontier[i] = lastV
		pos[lastV] = i
		frontier = frontier[:len(frontier)-1]
		pos[v] = -1
	}
	preds := make([][]int, b.n)
	for _, e := range evs {
		if e.invoke {
			if len(frontier) == 0 {
				continue
			}
			if e.t.Vertex < 0 {
				if e.t.Completed {
					b.extraVertices++
				}
				for _, f := range frontier {
					b.touched[f] = true
				}
				continue
			}
			for _, f := range frontier {
				b.Link(f, e.t.Vertex, RelRealtime)
			}
			preds[e.t.Vertex] = append(preds[e.t.Vertex], frontier...)
			continue
		}
		v := e.t.Vertex
		for _, p := range preds[v] {
			remove(p)
		}
		preds[v] = nil
		if pos[v] < 0 {
			pos[v] = len(frontier)
			frontier = append(frontier, v)
		}
	}
}
