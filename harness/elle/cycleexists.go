package elle

import "sort"

// CycleExistsCase says that some cycle forbidden by a model exists in a
// set of transactions, without naming the cycle (elle.txn
// cycle-exists-cases). Elle computes these first, because proving that a
// strongly connected component exists is cheap, and reports them when no
// concrete cycle explains them. With relations read by Elle's explainer a
// cycle of read-modify-writes is reported as G1c, so under read
// uncommitted the PL-1-cycle-exists case is what invalidates it.
type CycleExistsCase struct {
	Type     string `json:"type"`
	Not      string `json:"not"`
	Subgraph []any  `json:"subgraph"`
	SCCSize  int    `json:"scc-size"`
	SCC      []int  `json:"scc"`
}

// cycleExistsSpec is a model and the subgraph that must be acyclic for it
// to hold: the union of rels, or with ext, the sequential extension
// rels ∪ (rels ; rw), whose cycles are those with no two rw edges in a row.
type cycleExistsSpec struct {
	model string
	rels  uint8
	ext   bool
}

var cycleExistsSpecs = []cycleExistsSpec{
	{"PL-1", RelWW, false},
	{"PL-2", RelData, false},
	{"PL-SI", RelData, true},
	{"PL-2.99", RelData | RelRW, false},
	{"PL-3", RelData | RelRW, false},
	{"strong-session-PL-1", RelWW | RelProcess, false},
	{"strong-session-PL-2", RelData | RelProcess, false},
	{"strong-session-snapshot-isolation", RelData | RelProcess, true},
	{"strong-session-serializable", RelData | RelRW | RelProcess, false},
	{"strong-PL-1", RelWW | RelRealtime, false},
	{"strong-PL-2", RelData | RelRealtime, false},
	{"strong-snapshot-isolation", RelData | RelRealtime, true},
	{"PL-SS", RelData | RelRW | RelRealtime, false},
}

func relList(rels uint8) []any {
	out := []any{"union"}
	for _, r := range []uint8{RelWW, RelWR, RelRW, RelProcess, RelRealtime} {
		if rels&r != 0 {
			out = append(out, relName(r))
		}
	}
	return out
}

func (sp cycleExistsSpec) subgraph() []any {
	if sp.ext {
		return []any{"extension", relList(sp.rels), relList(RelRW)}
	}
	return relList(sp.rels)
}

// cycleExists checks every spec whose model is not already ruled out by
// an earlier one, on the component's full relation masks.
func (s *sccSearch) cycleExists() []CycleExistsCase {
	var out []CycleExistsCase
	redundant := map[string]bool{}
	l := s.l
	for _, sp := range cycleExistsSpecs {
		if redundant[sp.model] {
			continue
		}
		var members [][]int32
		if sp.ext {
			rels := sp.rels
			comp, n := tarjan(2*l.n, func(p int32, visit func(int32)) {
				v, st := p/2, p%2
				for _, e := range l.out(v) {
					if e.mask&rels != 0 {
						visit(2 * e.to)
					}
					if st == 0 && e.mask&RelRW != 0 {
						visit(2*e.to + 1)
					}
				}
			})
			for _, g := range groups(comp, n, 2) {
				set := map[int32]bool{}
				var proj []int32
				for _, p := range g {
					if !set[p/2] {
						set[p/2] = true
						proj = append(proj, p/2)
					}
				}
				members = append(members, proj)
			}
		} else {
			comp, n := l.sccs(sp.rels)
			members = groups(comp, n, 2)
		}
		if len(members) == 0 {
			continue
		}
		smallest := members[0]
		for _, m := range members[1:] {
			if len(m) < len(smallest) {
				smallest = m
			}
		}
		scc := make([]int, len(smallest))
		for i, v := range smallest {
			scc[i] = s.indices[v]
		}
		sort.Ints(scc)
		out = append(out, CycleExistsCase{
			Type:     sp.model + "-cycle-exists",
			Not:      friendlyModel(sp.model),
			Subgraph: sp.subgraph(),
			SCCSize:  len(scc),
			SCC:      scc,
		})
		for m := range reach(models.in, []string{canonicalModel(sp.model)}) {
			redundant[m] = true
		}
	}
	return out
}

// impossibleCycleAnomalies returns the cycle anomalies that cannot be in
// a component given its cycle-exists results: those forbidden by some
// model whose cycle check found nothing
// (elle.txn/cycle-exists-cases->impossible-cycle-anomalies).
func impossibleCycleAnomalies(cases []CycleExistsCase) map[string]bool {
	nots := make([]string, len(cases))
	for i, c := range cases {
		nots[i] = canonicalModel(c.Not)
	}
	impossible := reach(models.in, nots)
	var possible []string
	for _, sp := range cycleExistsSpecs {
		if !impossible[sp.model] {
			possible = append(possible, sp.model)
		}
	}
	out := map[string]bool{}
	for a := range anomaliesProhibitedBy(possible) {
		if cycleTypes[a] {
			out[a] = true
		}
	}
	return out
}

// removeRedundantCycleExists drops cycle-exists anomalies whose model the
// other anomalies already rule out (elle.txn/remove-redundant-cycle-exists).
func removeRedundantCycleExists(types []string) map[string]bool {
	var others []string
	for _, t := range types {
		if !isCycleExists(t) {
			others = append(others, t)
		}
	}
	impossible := anomaliesToImpossibleModels(others)
	drop := map[string]bool{}
	for _, sp := range cycleExistsSpecs {
		if impossible[sp.model] {
			drop[sp.model+"-cycle-exists"] = true
		}
	}
	return drop
}

func isCycleExists(t string) bool {
	const suffix = "-cycle-exists"
	return len(t) > len(suffix) && t[len(t)-len(suffix):] == suffix
}
