package elle

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		rels []uint8
		want string
	}{
		{[]uint8{RelWW, RelWW}, "G0"},
		{[]uint8{RelWW, RelWR}, "G1c"},
		{[]uint8{RelRW, RelWR}, "G-single-item"},
		{[]uint8{RelRW, RelRW}, "G2-item"},
		{[]uint8{RelRW, RelWR, RelRW, RelWR}, "G-nonadjacent-item"},
		{[]uint8{RelWR, RelRW, RelWR, RelRW}, "G-nonadjacent-item"},
		{[]uint8{RelRW, RelWR, RelWR, RelRW}, "G2-item"}, // adjacent across the wrap
		{[]uint8{RelRW, RelRealtime}, "G-single-item-realtime"},
		{[]uint8{RelWW, RelProcess}, "G0-process"},
		{[]uint8{RelWR, RelProcess, RelRealtime}, "G1c-realtime"},
	} {
		assert.Equal(t, tc.want, classify(tc.rels), "%v", tc.rels)
	}
}

// build makes a graph from (from, to, rels) triples.
func build(n int, es ...[3]int) *Graph {
	b := NewGraphBuilder(n)
	for _, e := range es {
		b.Link(e[0], e[1], uint8(e[2]))
	}
	return b.Build()
}

func TestTarjanOrder(t *testing.T) {
	// 0 -> 1 <-> 2 -> 3
	g := build(4, [3]int{0, 1, 1}, [3]int{1, 2, 1}, [3]int{2, 1, 1}, [3]int{2, 3, 1})
	comp, n := g.sccs(0xff)
	assert.Equal(t, 3, n)
	assert.Equal(t, comp[1], comp[2])
	// Edges between components go from higher to lower numbers.
	assert.Greater(t, comp[0], comp[1])
	assert.Greater(t, comp[2], comp[3])
	assert.Len(t, groups(comp, n, 2), 1)
}

func TestSingleNeedsReachability(t *testing.T) {
	// 0 -rw-> 1 -wr-> 2 -wr-> 3 -ww-> 0: one rw edge closed by a long
	// data path through separate components.
	ww, wr, rw := int(RelWW), int(RelWR), int(RelRW)
	g := build(4, [3]int{0, 1, rw}, [3]int{1, 2, wr}, [3]int{2, 3, wr}, [3]int{3, 0, ww})
	s := &sccSearch{l: g, lab: labelled(g), global: []int32{0, 1, 2, 3}, indices: []int{0, 1, 2, 3}}
	c := s.single(RelData)
	require.NotNil(t, c)
	assert.Equal(t, []int32{0, 1, 2, 3, 0}, c.Verts)
	assert.Equal(t, "G-single-item", classify(c.Rels))

	// With a second rw edge instead of the ww one, there is no G-single,
	// but a nonadjacent cycle.
	g = build(4, [3]int{0, 1, rw}, [3]int{1, 2, wr}, [3]int{2, 3, rw}, [3]int{3, 0, wr})
	s = &sccSearch{l: g, lab: labelled(g), global: []int32{0, 1, 2, 3}, indices: []int{0, 1, 2, 3}}
	assert.Nil(t, s.single(RelData))
	c = s.nonadjacent(RelData)
	require.NotNil(t, c)
	assert.Equal(t, "G-nonadjacent-item", classify(c.Rels))
	tcs, _ := s.search()
	require.Len(t, tcs, 1)
	assert.Equal(t, "G-nonadjacent-item", tcs[0].typ)

	// Two adjacent rw edges: neither G-single nor nonadjacent, G2-item.
	g = build(3, [3]int{0, 1, rw}, [3]int{1, 2, rw}, [3]int{2, 0, wr})
	s = &sccSearch{l: g, lab: labelled(g), global: []int32{0, 1, 2}, indices: []int{0, 1, 2}}
	assert.Nil(t, s.single(RelData))
	assert.Nil(t, s.nonadjacent(RelData))
	tcs, exists := s.search()
	require.Len(t, tcs, 1)
	assert.Equal(t, "G2-item", tcs[0].typ)
	assert.Empty(t, exists, "cycle-exists cases are redundant with the G2-item")
}

// TestEdgeNamedByExplainer: an edge carrying both ww and wr is named wr,
// as Elle's explainer names it, so a cycle of them is G1c; the ww-only
// projection still has the cycle, which PL-1-cycle-exists reports.
func TestEdgeNamedByExplainer(t *testing.T) {
	both := int(RelWW | RelWR)
	g := build(2, [3]int{0, 1, both}, [3]int{1, 0, both})
	s := &sccSearch{l: g, lab: labelled(g), global: []int32{0, 1}, indices: []int{10, 20}}
	tcs, exists := s.search()
	require.Len(t, tcs, 1)
	assert.Equal(t, "G1c", tcs[0].typ)
	require.Len(t, exists, 1)
	assert.Equal(t, "PL-1-cycle-exists", exists[0].Type)
	assert.Equal(t, []int{10, 20}, exists[0].SCC)
	assert.Equal(t, "read-uncommitted", exists[0].Not)
}

// TestSingleAgainstBruteForce compares the chunked reachability of the
// G-single search with a plain BFS per rw edge, on random graphs big
// enough to need several 64-target chunks.
func TestSingleAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	found := 0
	for trial := range 200 {
		n := 20 + rng.IntN(180)
		b := NewGraphBuilder(n)
		for range n + rng.IntN(n) {
			x, y := rng.IntN(n), rng.IntN(n)
			if x < y { // mostly forward data edges: a DAG
				b.Link(x, y, []uint8{RelWW, RelWR}[rng.IntN(2)])
			}
		}
		for range 1 + rng.IntN(n/2) {
			b.Link(rng.IntN(n), rng.IntN(n), RelRW)
		}
		g := b.Build()
		s := &sccSearch{l: g, lab: labelled(g), global: make([]int32, n), indices: make([]int, n)}
		for i := range n {
			s.global[i] = int32(i)
		}
		want := false
		for a := int32(0); a < int32(n) && !want; a++ {
			for _, e := range s.lab.out(a) {
				if e.mask == RelRW && s.lab.bfsPath(e.to, a, RelData, nil) != nil {
					want = true
					break
				}
			}
		}
		c := s.single(RelData)
		require.Equal(t, want, c != nil, "trial %d", trial)
		if c != nil {
			found++
			assert.Equal(t, "G-single-item", classify(c.Rels))
			assert.Equal(t, c.Verts[0], c.Verts[len(c.Verts)-1])
			for i, r := range c.Rels {
				assert.Equal(t, r, s.lab.edgeMask(c.Verts[i], c.Verts[i+1]), "step %d is an edge of that kind", i)
			}
		}
	}
	assert.Positive(t, found)
	assert.Less(t, found, 200)
}

// simpleCycles enumerates the simple cycles of a small labelled graph,
// each as its list of labels.
func simpleCycles(g *Graph) [][]uint8 {
	var out [][]uint8
	var path []int32
	var rels []uint8
	on := make([]bool, g.n)
	var dfs func(start, v int32)
	dfs = func(start, v int32) {
		for _, e := range g.out(v) {
			if e.to == start {
				out = append(out, append(append([]uint8(nil), rels...), e.mask))
				continue
			}
			if e.to < start || on[e.to] {
				continue
			}
			on[e.to] = true
			path = append(path, e.to)
			rels = append(rels, e.mask)
			dfs(start, e.to)
			on[e.to] = false
			path = path[:len(path)-1]
			rels = rels[:len(rels)-1]
		}
	}
	for s := int32(0); s < int32(g.n); s++ {
		on[s] = true
		dfs(s, s)
		on[s] = false
	}
	return out
}

// TestSearchAgainstBruteForce: on small random graphs, whenever a simple
// cycle of some class exists, the component search reports that class or
// one that implies it, and every reported cycle is a real closed walk of
// its class.
func TestSearchAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 300 {
		n := 2 + rng.IntN(6)
		b := NewGraphBuilder(n)
		for range 1 + rng.IntN(3*n) {
			b.Link(rng.IntN(n), rng.IntN(n), []uint8{RelWW, RelWR, RelRW, RelWW | RelWR}[rng.IntN(4)])
		}
		g := b.Build()
		s := &sccSearch{l: g, lab: labelled(g), global: make([]int32, n), indices: make([]int, n)}
		for i := range n {
			s.global[i] = int32(i)
		}
		tcs, _ := s.search()
		got := map[string]bool{}
		for _, tc := range tcs {
			got[tc.typ] = true
			assert.Equal(t, tc.typ, classify(tc.c.Rels))
			for i, r := range tc.c.Rels {
				assert.Equal(t, r, s.lab.edgeMask(tc.c.Verts[i], tc.c.Verts[i+1]))
			}
		}
		covered := allImpliedAnomalies(keys(got))
		for _, c := range simpleCycles(s.lab) {
			typ := classify(c)
			assert.True(t, covered[typ], "trial %d: a %s cycle %v exists; found %v", trial, typ, c, keys(got))
		}
	}
}
