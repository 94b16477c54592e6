package elle

// Cycle search, after elle.txn/cycles and cycle-cases-in-scc: first the
// strongly connected components of the whole dependency graph (Tarjan);
// then, inside each component, Elle's cycle-exists checks
// (cycleexists.go) and one search per anomaly type, worst first, skipping
// types implied by one already found in that component or ruled out by
// the cycle-exists checks. The searches run on edges reduced to the one
// relation Elle's explainer would name them by (see labelled). Elle
// searches each type with a breadth-first search over paths bounded by a
// timeout; we use searches that are exact and polynomial instead, so a
// cycle-search-timeout never happens:
//
//   - G0 (ww only) and G1c (ww and wr, at least one wr): an edge of the
//     required kind whose ends share a component of the allowed subgraph
//     closes a cycle; a BFS finds the rest of it.
//   - G-single-item (exactly one rw): an rw edge a -> b such that b reaches
//     a over ww/wr edges. Reachability is decided on the condensation of
//     the ww/wr subgraph, 64 target components at a time with bit masks.
//   - G-nonadjacent-item (several rw edges, no two adjacent): a cycle in the
//     product of the graph with a two-state automaton ("the last edge was
//     rw") that contains an rw step. Such a cycle is a closed walk; it may
//     pass a transaction twice, as the relational characterisation of
//     snapshot isolation (Cerone and Gotsman) allows.
//   - G2-item (several rw edges, some adjacent): an rw edge inside a
//     component of the ww/wr/rw subgraph.
//
// The -process and -realtime variants repeat the searches with process or
// realtime edges allowed alongside ww and wr. Every cycle found is
// classified by its edges as elle.txn/cycle-explainer does, and reported
// under that class.

// Cycle is a closed walk: Verts[0] == Verts[len-1], and Rels[i] is the
// relation of the step Verts[i] -> Verts[i+1]. Vertices are the dependency
// graph's ids.
type Cycle struct {
	Verts []int32
	Rels  []uint8
}

// classify names a cycle's anomaly from its relations
// (elle.txn/cycle-explainer, without predicate relations).
func classify(rels []uint8) string {
	var ww, wr, rw, proc, rt int
	for _, r := range rels {
		switch r {
		case RelWW:
			ww++
		case RelWR:
			wr++
		case RelRW:
			rw++
		case RelProcess:
			proc++
		case RelRealtime:
			rt++
		}
	}
	adj := false
	for i := range rels {
		if rels[i] == RelRW && rels[(i+1)%len(rels)] == RelRW {
			adj = true
		}
	}
	var t string
	switch {
	case rw == 1:
		t = "G-single-item"
	case rw > 1 && adj:
		t = "G2-item"
	case rw > 1:
		t = "G-nonadjacent-item"
	case wr > 0:
		t = "G1c"
	case ww > 0:
		t = "G0"
	default:
		return ""
	}
	switch {
	case rt > 0:
		t += "-realtime"
	case proc > 0:
		t += "-process"
	}
	return t
}

// sccSearch searches one strongly connected component.
type sccSearch struct {
	l       *Graph  // the component, renumbered, with full relation masks
	lab     *Graph  // the same with each edge reduced to its label
	global  []int32 // local -> global vertex id
	variant uint8   // RelProcess, RelRealtime or 0
	indices []int   // local -> op index, for reports
}

type typedCycle struct {
	typ string
	c   Cycle
}

// labelled returns a copy of g in which each edge keeps only the relation
// elle.rw-register's explainer would name it by (pickRel). Elle classifies
// a cycle by those names, so our searches look for cycles of the right
// names: for registers a ww edge that also carries wr counts as wr, which
// is why a cycle of read-modify-writes is G1c, not G0, in Elle's
// rw-register reports (the PL-1 cycle check below still catches it for
// read uncommitted). list-append names such an edge ww instead.
func labelled(g *Graph) *Graph { return labelledBy(g, RWRegisterOrder) }

func labelledBy(g *Graph, order ExplainerOrder) *Graph {
	out := &Graph{n: g.n, off: g.off, es: make([]edge, len(g.es))}
	for i, e := range g.es {
		out.es[i] = edge{to: e.to, mask: order.pick(e.mask)}
	}
	return out
}

// search runs the cycle-exists checks, then the per-type searches in
// Elle's order (the data anomalies, then their process or realtime
// variants), skipping types that the cycle-exists results rule out and
// types implied by what was already found (elle.txn/cycle-cases-in-scc).
func (s *sccSearch) search() ([]typedCycle, []CycleExistsCase) {
	exists := s.cycleExists()
	type step struct {
		typ   string
		typed bool // Elle insists the explained type equal typ
		find  func() *Cycle
	}
	d := RelData
	steps := []step{
		{"G0", false, func() *Cycle { return s.viaRequired(RelWW, RelWW) }},
		{"G1c", false, func() *Cycle { return s.viaRequired(d, RelWR) }},
		{"G-single-item", true, func() *Cycle { return s.single(d) }},
		{"G-nonadjacent-item", true, func() *Cycle { return s.nonadjacent(d) }},
		{"G2-item", true, func() *Cycle { return s.viaRequired(d|RelRW, RelRW) }},
	}
	if v := s.variant; v != 0 {
		suffix := "-process"
		if v == RelRealtime {
			suffix = "-realtime"
		}
		dv := d | v
		steps = append(steps,
			step{"G0" + suffix, false, func() *Cycle { return s.viaRequired(RelWW|v, v) }},
			step{"G1c" + suffix, false, func() *Cycle { return s.viaRequired(dv, RelWR) }},
			step{"G-single-item" + suffix, true, func() *Cycle { return s.single(dv) }},
			step{"G-nonadjacent-item" + suffix, true, func() *Cycle { return s.nonadjacent(dv) }},
			step{"G2-item" + suffix, true, func() *Cycle { return s.viaRequired(dv|RelRW, RelRW) }},
		)
	}
	redundant := impossibleCycleAnomalies(exists)
	var out []typedCycle
	seen := map[string]bool{}
	for _, st := range steps {
		if redundant[st.typ] {
			continue
		}
		c := st.find()
		if c == nil {
			continue
		}
		t := classify(c.Rels)
		if t == "" || (st.typed && t != st.typ) {
			continue
		}
		for a := range allImpliedAnomalies([]string{st.typ}) {
			redundant[a] = true
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, typedCycle{typ: t, c: s.globalise(c)})
		}
	}
	// elle.txn/merge-cycle-exists+cycle-cases: drop cycle-exists cases that
	// a concrete cycle already proves.
	impossible := anomaliesToImpossibleModels(keys(seen))
	var kept []CycleExistsCase
	for _, e := range exists {
		if !impossible[canonicalModel(e.Not)] {
			kept = append(kept, e)
		}
	}
	return out, kept
}

func (s *sccSearch) globalise(c *Cycle) Cycle {
	out := Cycle{Verts: make([]int32, len(c.Verts)), Rels: c.Rels}
	for i, v := range c.Verts {
		out.Verts[i] = s.global[v]
	}
	return out
}

// close builds the cycle a -rel-> path[0]=b ... path[last]=a, labelling
// the path's steps with the preferred relation among allowed.
func (s *sccSearch) close(a int32, rel uint8, path []int32, allowed uint8) *Cycle {
	c := &Cycle{Verts: []int32{a}, Rels: []uint8{rel}}
	for i, v := range path {
		c.Verts = append(c.Verts, v)
		if i > 0 {
			c.Rels = append(c.Rels, s.lab.edgeMask(path[i-1], v)&allowed)
		}
	}
	return c
}

// viaRequired finds a cycle over allowed edges that uses at least one edge
// carrying required.
func (s *sccSearch) viaRequired(allowed, required uint8) *Cycle {
	l := s.lab
	comp, _ := l.sccs(allowed)
	for a := int32(0); a < int32(l.n); a++ {
		for _, e := range l.out(a) {
			if e.mask&required == 0 || e.mask&allowed == 0 || comp[e.to] != comp[a] {
				continue
			}
			ca := comp[a]
			path := l.bfsPath(e.to, a, allowed, func(v int32) bool { return comp[v] == ca })
			if path != nil {
				return s.close(a, e.mask&required, path, allowed)
			}
		}
	}
	return nil
}

// single finds a cycle of one rw edge closed by a path over d edges.
func (s *sccSearch) single(d uint8) *Cycle {
	l := s.lab
	comp, ncomp := l.sccs(d)
	type cand struct{ a, b int32 }
	var cands []cand
	for a := int32(0); a < int32(l.n); a++ {
		for _, e := range l.out(a) {
			if e.mask&RelRW == 0 {
				continue
			}
			switch ca, cb := comp[a], comp[e.to]; {
			case ca == cb:
				return s.closeSingle(a, e.to, d, comp)
			case cb > ca: // edges of the condensation go from high to low
				cands = append(cands, cand{a, e.to})
			}
		}
	}
	if len(cands) == 0 {
		return nil
	}
	// Condensation successors over d edges.
	csucc := make([][]int32, ncomp)
	seen := map[uint64]bool{}
	for v := int32(0); v < int32(l.n); v++ {
		for _, e := range l.out(v) {
			if e.mask&d == 0 || comp[v] == comp[e.to] {
				continue
			}
			k := uint64(comp[v])<<32 | uint64(comp[e.to])
			if !seen[k] {
				seen[k] = true
				csucc[comp[v]] = append(csucc[comp[v]], comp[e.to])
			}
		}
	}
	// Group candidates by target component (comp[a]).
	byTarget := map[int32][]cand{}
	var targets []int32
	for _, c := range cands {
		t := comp[c.a]
		if _, ok := byTarget[t]; !ok {
			targets = append(targets, t)
		}
		byTarget[t] = append(byTarget[t], c)
	}
	reach := make([]uint64, ncomp)
	bit := make([]uint64, ncomp) // target component -> its bit in this chunk
	for lo := 0; lo < len(targets); lo += 64 {
		chunk := targets[lo:min(lo+64, len(targets))]
		if lo > 0 {
			for _, t := range targets[lo-64 : lo] {
				bit[t] = 0
			}
		}
		minT, maxS := int32(ncomp), int32(0)
		for i, t := range chunk {
			bit[t] = 1 << uint(i)
			minT = min(minT, t)
			for _, c := range byTarget[t] {
				maxS = max(maxS, comp[c.b])
			}
		}
		for c := minT; c <= maxS; c++ {
			r := bit[c]
			for _, sc := range csucc[c] {
				if sc >= minT {
					r |= reach[sc]
				}
			}
			reach[c] = r
		}
		for _, t := range chunk {
			for _, c := range byTarget[t] {
				if reach[comp[c.b]]&bit[t] != 0 {
					return s.closeSingle(c.a, c.b, d, comp)
				}
			}
		}
	}
	return nil
}

func (s *sccSearch) closeSingle(a, b int32, d uint8, comp []int32) *Cycle {
	lo, hi := comp[a], comp[b]
	path := s.lab.bfsPath(b, a, d, func(v int32) bool { return comp[v] >= lo && comp[v] <= hi })
	if path == nil {
		return nil
	}
	return s.close(a, RelRW, path, d)
}

// nonadjacent finds a closed walk over d and rw edges, with at least one
// rw edge and no two rw edges in a row (cyclically), in the product graph
// whose vertex 2v+1 means "at v, having just taken an rw edge".
func (s *sccSearch) nonadjacent(d uint8) *Cycle {
	l := s.lab
	succ := func(p int32, visit func(int32)) {
		v, st := p/2, p%2
		for _, e := range l.out(v) {
			if e.mask&d != 0 {
				visit(2 * e.to)
			}
			if st == 0 && e.mask&RelRW != 0 {
				visit(2*e.to + 1)
			}
		}
	}
	comp, _ := tarjan(2*l.n, succ)
	for a := int32(0); a < int32(l.n); a++ {
		for _, e := range l.out(a) {
			if e.mask&RelRW == 0 || comp[2*a] != comp[2*e.to+1] {
				continue
			}
			c := comp[2*a]
			path := productPath(2*e.to+1, 2*a, succ, func(p int32) bool { return comp[p] == c })
			if path == nil {
				continue
			}
			cy := &Cycle{Verts: []int32{a}, Rels: []uint8{RelRW}}
			for i, p := range path {
				cy.Verts = append(cy.Verts, p/2)
				if i > 0 {
					if p%2 == 1 {
						cy.Rels = append(cy.Rels, RelRW)
					} else {
						cy.Rels = append(cy.Rels, l.edgeMask(path[i-1]/2, p/2)&d)
					}
				}
			}
			return cy
		}
	}
	return nil
}

// productPath is a BFS over an implicit graph.
func productPath(src, dst int32, succ func(int32, func(int32)), keep func(int32) bool) []int32 {
	prev := map[int32]int32{src: -1}
	queue := []int32{src}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		done := false
		succ(v, func(w int32) {
			if done {
				return
			}
			if _, ok := prev[w]; ok || !keep(w) {
				return
			}
			prev[w] = v
			if w == dst {
				done = true
				return
			}
			queue = append(queue, w)
		})
		if done {
			var path []int32
			for x := dst; x != -1; x = prev[x] {
				path = append(path, x)
			}
			for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
				path[i], path[j] = path[j], path[i]
			}
			return path
		}
	}
	return nil
}

// FindCycles runs the whole search over the dependency graph and groups
// the cycles and cycle-exists cases by anomaly type. indices maps vertex
// ids to op indices; order is how the workload's explainer names edges.
func FindCycles(g *Graph, variant uint8, indices []int, order ExplainerOrder) (map[string][]Cycle, map[string][]CycleExistsCase) {
	comp, n := g.sccs(0xff)
	cycles := map[string][]Cycle{}
	exists := map[string][]CycleExistsCase{}
	for _, members := range groups(comp, n, 2) {
		l := g.subgraph(members)
		idx := make([]int, len(members))
		for i, v := range members {
			idx[i] = indices[v]
		}
		s := &sccSearch{l: l, lab: labelledBy(l, order), global: members, variant: variant, indices: idx}
		tcs, ecs := s.search()
		for _, tc := range tcs {
			cycles[tc.typ] = append(cycles[tc.typ], tc.c)
		}
		for _, e := range ecs {
			exists[e.Type] = append(exists[e.Type], e)
		}
	}
	return cycles, exists
}
