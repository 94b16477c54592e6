package main

// Overlay returns self's gossip neighbours.
//
//   - "tree": the nodes, in the init message's order, laid out as a b-ary
//     heap (node g's parent is (g-1)/b, its children b*g+1 .. b*g+b); b =
//     fanout, or n-1 when fanout is 0, which makes a star around the first
//     node. A tree carries each message over every edge once, and the star
//     has diameter 2.
//   - "topology": the neighbours the topology message gave (every node if
//     none came).
//   - "total": every other node.
func Overlay(kind string, fanout int, self string, nodes []string, topology map[string][]string) []string {
	others := func() []string {
		out := []string{}
		for _, n := range nodes {
			if n != self {
				out = append(out, n)
			}
		}
		return out
	}
	switch kind {
	case "total":
		return others()
	case "topology":
		if nb, ok := topology[self]; ok {
			out := []string{}
			for _, n := range nb {
				if n != self {
					out = append(out, n)
				}
			}
			return out
		}
		return others()
	}
	n := len(nodes)
	b := fanout
	if b <= 0 {
		b = n - 1
	}
	if b < 1 {
		b = 1
	}
	g := -1
	for i, x := range nodes {
		if x == self {
			g = i
		}
	}
	if g < 0 {
		return others()
	}
	out := []string{}
	if g > 0 {
		out = append(out, nodes[(g-1)/b])
	}
	for c := b*g + 1; c <= b*g+b && c < n; c++ {
		out = append(out, nodes[c])
	}
	return out
}
