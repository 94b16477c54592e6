// Package nemesis computes what the faults act on, the way Jepsen's
// combined nemesis (jepsen/nemesis/combined.clj) does: the nodes a pause
// or kill targets (targets.go, from its node specs), and the network
// partitions of Maelstrom's own fault, `partition`: each start picks one
// of the specs :one, :minority-third, :majority and :majorities-ring at
// random and turns it into a grudge (receiver -> senders it drops); starts
// and stops alternate at intervals drawn uniformly from [0, 2*interval)
// (gen/stagger). Only server nodes are ever cut, paused or killed:
// clients and services keep running.
package nemesis

import (
	"math/rand/v2"
	"slices"
)

// Specs are the partition shapes Jepsen's partition-specs offers a DB
// without primaries.
var Specs = []string{"one", "minority-third", "majority", "majorities-ring"}

// Grudge maps a receiver to the senders it cannot hear.
type Grudge map[string][]string

// Make computes the grudge for spec over nodes.
func Make(spec string, nodes []string, r *rand.Rand) Grudge {
	shuffled := slices.Clone(nodes)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	switch spec {
	case "one":
		// n/split-one: a random node alone.
		return complete([][]string{shuffled[:1], shuffled[1:]})
	case "minority-third":
		// util/minority-third: the largest count strictly below a third.
		k := (len(nodes) - 1) / 3
		return complete([][]string{shuffled[:k], shuffled[k:]})
	case "majority":
		// n/bisect of a shuffle: smaller half first.
		k := len(nodes) / 2
		return complete([][]string{shuffled[:k], shuffled[k:]})
	case "majorities-ring":
		return majoritiesRing(shuffled)
	}
	return Grudge{}
}

// complete cuts every component off from every other (n/complete-grudge).
func complete(components [][]string) Grudge {
	g := Grudge{}
	for i, comp := range components {
		var others []string
		for j, other := range components {
			if j != i {
				others = append(others, other...)
			}
		}
		for _, node := range comp {
			g[node] = slices.Clone(others)
		}
	}
	return g
}

// majoritiesRing lays the (shuffled) nodes on a ring; every node hears
// exactly the majority window centred on it, so every node sees a majority
// but no two see the same one. This is Jepsen's majorities-ring-perfect;
// for more than five nodes Jepsen uses a stochastic construction with the
// same property, which this window construction also has.
func majoritiesRing(ring []string) Grudge {
	n := len(ring)
	m := n/2 + 1
	g := Grudge{}
	for i := range ring {
		// The window of m consecutive nodes starting at i; its middle
		// member hears only the window.
		window := map[string]bool{}
		for k := 0; k < m; k++ {
			window[ring[(i+k)%n]] = true
		}
		centre := ring[(i+m/2)%n]
		var drop []string
		for _, other := range ring {
			if !window[other] {
				drop = append(drop, other)
			}
		}
		g[centre] = drop
	}
	return g
}
