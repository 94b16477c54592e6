// Command g-set is a node for Maelstrom's g-set workload: a grow-only set
// kept as a state-based CRDT on every node and replicated by periodic
// merges (see Set, Register and package internal/crdt), so it stays
// available through partitions and converges once they heal.
package main

import (
	"fmt"
	"os"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	Register(n, DefaultConfig)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "g-set:", err)
		os.Exit(1)
	}
}
