package elle

import (
	"slices"
	"sort"
)

// Dependency relations between transactions, as bits (Elle's BitRels,
// without the predicate variants, which registers never produce).
const (
	RelWW uint8 = 1 << iota
	RelWR
	RelRW
	RelProcess
	RelRealtime
)

const RelData = RelWW | RelWR // Adya's write and read dependencies

// relName names a single relation bit as Elle does.
func relName(r uint8) string {
	switch r {
	case RelWW:
		return "ww"
	case RelWR:
		return "wr"
	case RelRW:
		return "rw"
	case RelProcess:
		return "process"
	case RelRealtime:
		return "realtime"
	}
	return "?"
}

// ExplainerOrder lists the relations in the order a workload's combined
// explainer (elle.core/combine) asks its explainers: an edge carrying
// several relations is named by the first, and Elle classifies cycles by
// those names.
type ExplainerOrder []uint8

var (
	// RWRegisterOrder is elle.rw-register's: wr-graph, then ww+rw-graph,
	// then the additional graphs.
	RWRegisterOrder = ExplainerOrder{RelWR, RelWW, RelRW, RelProcess, RelRealtime}
	// ListAppendOrder is elle.list-append's: ww-graph, wr-graph,
	// rw-graph, then the additional graphs.
	ListAppendOrder = ExplainerOrder{RelWW, RelWR, RelRW, RelProcess, RelRealtime}
)

// pick chooses which relation of mask to report for an edge.
func (o ExplainerOrder) pick(mask uint8) uint8 {
	for _, r := range o {
		if mask&r != 0 {
			return r
		}
	}
	return 0
}

// pickRel names an edge as elle.rw-register does.
func pickRel(mask uint8) uint8 { return RWRegisterOrder.pick(mask) }

type edge struct {
	to   int32
	mask uint8
}

// Graph is a directed graph over dense vertex ids with relation masks on
// its edges, in compressed adjacency form.
type Graph struct {
	n   int
	off []int32 // out-edges of v are edges[off[v]:off[v+1]]
	es  []edge
}

func (g *Graph) out(v int32) []edge { return g.es[g.off[v]:g.off[v+1]] }

// edgeMask returns the relations on a -> b (0 when there is no edge).
func (g *Graph) edgeMask(a, b int32) uint8 {
	es := g.out(a)
	i := sort.Search(len(es), func(i int) bool { return es[i].to >= b })
	if i < len(es) && es[i].to == b {
		return es[i].mask
	}
	return 0
}

// GraphBuilder accumulates edges, merging relation masks of parallel
// edges and dropping self-edges (Elle removes them too). Edges are
// gathered in a slice and merged when built, which is much cheaper than a
// map for the hundreds of thousands of edges a long history has.
type GraphBuilder struct {
	n     int
	edges []rawEdge
	// touched marks vertices that took part in some link, even a dropped
	// self-edge: Elle's graph keeps those vertices, and the
	// empty-transaction-graph anomaly depends on the vertex count.
	touched []bool
	// extraVertices counts vertices outside the builder's ids (failed or
	// indeterminate transactions reached only by realtime edges).
	extraVertices int
}

type rawEdge struct {
	from, to int32
	rel      uint8
}

// NewGraphBuilder starts a graph over vertices 0..n-1.
func NewGraphBuilder(n int) *GraphBuilder {
	return &GraphBuilder{n: n, touched: make([]bool, n)}
}

// Link adds the relation rel to the edge from -> to.
func (b *GraphBuilder) Link(from, to int, rel uint8) {
	b.touched[from] = true
	b.touched[to] = true
	if from == to {
		return
	}
	b.edges = append(b.edges, rawEdge{int32(from), int32(to), rel})
}

// VertexCount is the number of vertices Elle's graph would have: every
// vertex some link touched, plus those added by AddVertex.
func (b *GraphBuilder) VertexCount() int {
	c := 0
	for _, t := range b.touched {
		if t {
			c++
		}
	}
	return c + b.extraVertices
}

// Build freezes the edges into a Graph: out-edges sorted by target, one
// edge per pair with the union of its relations.
func (b *GraphBuilder) Build() *Graph {
	g := &Graph{n: b.n, off: make([]int32, b.n+1)}
	// Counting sort by source, then sort each run by target and merge.
	for _, e := range b.edges {
		g.off[e.from+1]++
	}
	for i := 1; i <= b.n; i++ {
		g.off[i] += g.off[i-1]
	}
	byFrom := make([]rawEdge, len(b.edges))
	fill := append([]int32(nil), g.off[:b.n]...)
	for _, e := range b.edges {
		byFrom[fill[e.from]] = e
		fill[e.from]++
	}
	g.es = make([]edge, 0, len(b.edges))
	start := make([]int32, b.n+1)
	for v := 0; v < b.n; v++ {
		start[v] = int32(len(g.es))
		run := byFrom[g.off[v]:g.off[v+1]]
		slices.SortFunc(run, func(x, y rawEdge) int { return int(x.to) - int(y.to) })
		for _, e := range run {
			if k := len(g.es); k > int(start[v]) && g.es[k-1].to == e.to {
				g.es[k-1].mask |= e.rel
				continue
			}
			g.es = append(g.es, edge{to: e.to, mask: e.rel})
		}
	}
	start[b.n] = int32(len(g.es))
	g.off = start
	return g
}

// subgraph returns the graph induced by vs, with vertices renumbered
// 0..len(vs)-1 in the order given, and the map back.
func (g *Graph) subgraph(vs []int32) *Graph {
	local := make(map[int32]int32, len(vs))
	for i, v := range vs {
		local[v] = int32(i)
	}
	sg := &Graph{n: len(vs), off: make([]int32, len(vs)+1)}
	for i, v := range vs {
		for _, e := range g.out(v) {
			if l, ok := local[e.to]; ok {
				sg.es = append(sg.es, edge{to: l, mask: e.mask})
			}
		}
		sg.off[i+1] = int32(len(sg.es))
	}
	for i := range vs {
		es := sg.es[sg.off[i]:sg.off[i+1]]
		sort.Slice(es, func(a, b int) bool { return es[a].to < es[b].to })
	}
	return sg
}

// tarjan computes the strongly connected components of an implicit graph
// of n vertices whose successors succ enumerates, iteratively (histories
// make graphs far too deep for recursion). comp[v] numbers components in
// the order Tarjan completes them, which is a reverse topological order of
// the condensation: every edge between components goes from a higher
// number to a lower one.
func tarjan(n int, succ func(v int32, visit func(w int32))) (comp []int32, ncomp int) {
	const unvisited = -1
	index := make([]int32, n)
	low := make([]int32, n)
	comp = make([]int32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = unvisited
		comp[i] = -1
	}
	var stack []int32
	var next int32
	// Each frame holds a vertex and its successors (materialised once).
	type frame struct {
		v    int32
		succ []int32
		i    int
	}
	var frames []frame
	var buf []int32
	for root := 0; root < n; root++ {
		if index[root] != unvisited {
			continue
		}
		push := func(v int32) {
			index[v] = next
			low[v] = next
			next++
			stack = append(stack, v)
			onStack[v] = true
			buf = buf[:0]
			succ(v, func(w int32) { buf = append(buf, w) })
			frames = append(frames, frame{v: v, succ: append([]int32(nil), buf...)})
		}
		push(int32(root))
		for len(frames) > 0 {
			f := &frames[len(frames)-1]
			if f.i < len(f.succ) {
				w := f.succ[f.i]
				f.i++
				if index[w] == unvisited {
					push(w)
				} else if onStack[w] && index[w] < low[f.v] {
					low[f.v] = index[w]
				}
				continue
			}
			v := f.v
			frames = frames[:len(frames)-1]
			if len(frames) > 0 {
				p := frames[len(frames)-1].v
				if low[v] < low[p] {
					low[p] = low[v]
				}
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = int32(ncomp)
					if w == v {
						break
					}
				}
				ncomp++
			}
		}
	}
	return comp, ncomp
}

// sccs returns the components of g restricted to edges carrying a relation
// in allowed.
func (g *Graph) sccs(allowed uint8) (comp []int32, ncomp int) {
	return tarjan(g.n, func(v int32, visit func(int32)) {
		for _, e := range g.out(v) {
			if e.mask&allowed != 0 {
				visit(e.to)
			}
		}
	})
}

// groups lists the members of each component with at least min members.
func groups(comp []int32, ncomp, min int) [][]int32 {
	members := make([][]int32, ncomp)
	for v, c := range comp {
		members[c] = append(members[c], int32(v))
	}
	var out [][]int32
	for _, m := range members {
		if len(m) >= min {
			out = append(out, m)
		}
	}
	return out
}

// bfsPath finds a shortest path from src to dst using edges with a
// relation in allowed, visiting only vertices for which keep is true (nil
// keeps all). It returns the vertices from src to dst, or nil.
func (g *Graph) bfsPath(src, dst int32, allowed uint8, keep func(int32) bool) []int32 {
	if src == dst {
		return []int32{src}
	}
	prev := map[int32]int32{src: -1}
	queue := []int32{src}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, e := range g.out(v) {
			if e.mask&allowed == 0 {
				continue
			}
			if _, seen := prev[e.to]; seen {
				continue
			}
			if keep != nil && !keep(e.to) {
				continue
			}
			prev[e.to] = v
			if e.to == dst {
				var path []int32
				for x := dst; x != -1; x = prev[x] {
					path = append(path, x)
				}
				for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return path
			}
			queue = append(queue, e.to)
		}
	}
	return nil
}

// Components returns the strongly connected components with at least min
// members of the implicit graph of n vertices whose successors succ
// enumerates (used, for instance, on a key's version order).
func Components(n int, succ func(v int32, visit func(w int32)), min int) [][]int32 {
	comp, ncomp := tarjan(n, succ)
	return groups(comp, ncomp, min)
}

// RelName names one relation bit as Elle does (ww, wr, rw, process,
// realtime).
func RelName(r uint8) string { return relName(r) }
