// Command txn is a node for Maelstrom's txn-rw-register workload (Gossip
// Glomers challenges 6a-6c): a totally available key-value store with read
// committed isolation. Each node executes transactions atomically on its
// own copy and replicates committed writes to the others; see Store and
// Replicator.
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
		fmt.Fprintln(os.Stderr, "txn:", err)
		os.Exit(1)
	}
}
