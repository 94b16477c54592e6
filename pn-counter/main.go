// Command pn-counter is a node for Maelstrom's pn-counter workload (and
// g-counter's, whose deltas are never negative): a PN-counter CRDT kept on
// every node and replicated by periodic merges (see Counter, Register and
// package internal/crdt), with no service behind it, unlike g-counter/,
// which keeps its counter in seq-kv.
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
		fmt.Fprintln(os.Stderr, "pn-counter:", err)
		os.Exit(1)
	}
}
