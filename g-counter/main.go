// Command g-counter is a node for Maelstrom's g-counter workload (Gossip
// Glomers challenge 4), built on the seq-kv service; see Counter.
package main

import (
	"fmt"
	"os"
	"time"

	"glomers/node"
)

// readBudget bounds a read's refresh: just inside the client's 5 s timeout, so
// that slow networks still get fresh final reads.
const readBudget = 4500 * time.Millisecond

func main() {
	n := node.NewNode()
	Register(n, DefaultConfig)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "g-counter:", err)
		os.Exit(1)
	}
}
