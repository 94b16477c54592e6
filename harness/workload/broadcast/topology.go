package broadcast

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Topologies lists the names --topology accepts, as the `topologies` map of
// Maelstrom's src/maelstrom/workload/broadcast.clj does.
var topologyNames = []string{"grid", "line", "total", "tree", "tree2", "tree3", "tree4"}

// Topology computes the neighbour map Maelstrom's broadcast workload sends in
// its `topology` message. Every shape is computed the way broadcast.clj
// computes it (grid-topology, line-topology, total-topology, tree-topology),
// including its edge cases: a line of fewer than two nodes is empty, and an
// empty node list gives an empty (nil) tree.
func Topology(name string, nodes []string) (map[string][]string, error) {
	switch name {
	case "", "grid":
		return gridTopology(nodes), nil
	case "line":
		return lineTopology(nodes), nil
	case "total":
		return totalTopology(nodes), nil
	case "tree", "tree2":
		return treeTopology(2, nodes), nil
	case "tree3":
		return treeTopology(3, nodes), nil
	case "tree4":
		return treeTopology(4, nodes), nil
	}
	names := append([]string(nil), topologyNames...)
	sort.Strings(names)
	return nil, fmt.Errorf("unknown topology %q (want one of %s)", name, strings.Join(names, ", "))
}

// gridTopology lays the nodes row by row into a square of side
// ceil(sqrt(n)); a node's neighbours are, in this order, the nodes below,
// above, right and left of it that exist.
func gridTopology(nodes []string) map[string][]string {
	n := len(nodes)
	side := int(math.Ceil(math.Sqrt(float64(n))))
	at := func(i, j int) (string, bool) {
		if i < 0 || j < 0 || j >= side {
			return "", false
		}
		idx := i*side + j
		if idx >= n {
			return "", false
		}
		return nodes[idx], true
	}
	out := map[string][]string{}
	for i := 0; i < side; i++ {
		for j := 0; j < side; j++ {
			me, ok := at(i, j)
			if !ok {
				continue
			}
			nbrs := []string{}
			for _, d := range [][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				if x, ok := at(i+d[0], j+d[1]); ok {
					nbrs = append(nbrs, x)
				}
			}
			out[me] = nbrs
		}
	}
	return out
}

// lineTopology links every node to its predecessor and successor.
func lineTopology(nodes []string) map[string][]string {
	n := len(nodes)
	out := map[string][]string{}
	if n < 2 {
		return out
	}
	out[nodes[0]] = []string{nodes[1]}
	out[nodes[n-1]] = []string{nodes[n-2]}
	for i := 1; i+1 < n; i++ {
		out[nodes[i]] = []string{nodes[i-1], nodes[i+1]}
	}
	return out
}

// totalTopology links every node to every other node.
func totalTopology(nodes []string) map[string][]string {
	out := map[string][]string{}
	for _, me := range nodes {
		nbrs := []string{}
		for _, x := range nodes {
			if x != me {
				nbrs = append(nbrs, x)
			}
		}
		out[me] = nbrs
	}
	return out
}

// treeTopology is broadcast.clj's tree-topology: the nodes fill a b-ary
// tree tier by tier (root, then b nodes, then b² ...), each parent taking
// the next b children of the tier below in order. That is exactly the
// b-ary heap layout: node g's children are b*g+1 .. b*g+b and its parent is
// (g-1)/b. A node's neighbours are its parent (if any) followed by its
// children.
func treeTopology(b int, nodes []string) map[string][]string {
	n := len(nodes)
	if n == 0 {
		return nil
	}
	out := map[string][]string{}
	for g, me := range nodes {
		nbrs := []string{}
		if g > 0 {
			nbrs = append(nbrs, nodes[(g-1)/b])
		}
		for c := b*g + 1; c <= b*g+b && c < n; c++ {
			nbrs = append(nbrs, nodes[c])
		}
		out[me] = nbrs
	}
	return out
}
