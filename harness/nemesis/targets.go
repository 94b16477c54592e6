package nemesis

import (
	"math/rand/v2"
	"slices"
)

// NodeSpecs are the target specifications Jepsen's combined nemesis draws
// from for kill and pause (node-specs in combined.clj, for a DB without
// primaries). "" is Jepsen's nil: a random non-empty subset.
var NodeSpecs = []string{"", "one", "minority-third", "minority", "majority", "all"}

// Targets picks the nodes a kill or pause with spec acts on, as
// combined.clj's db-nodes does. minority-third of three nodes is empty,
// as in Jepsen; such an operation does nothing.
func Targets(spec string, nodes []string, r *rand.Rand) []string {
	shuffled := slices.Clone(nodes)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	majority := len(nodes)/2 + 1
	switch spec {
	case "":
		// util/random-nonempty-subset: 1..n nodes of a shuffle.
		return shuffled[:1+r.IntN(len(nodes))]
	case "one":
		return shuffled[:1]
	case "minority-third":
		return shuffled[:(len(nodes)-1)/3]
	case "minority":
		return shuffled[:majority-1]
	case "majority":
		return shuffled[:majority]
	case "all":
		return slices.Clone(nodes)
	}
	return nil
}
