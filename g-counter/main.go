// Command g-counter is a node for Maelstrom's g-counter workload (Gossip
// Glomers challenge 4), built on the seq-kv service; see Counter.
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
		fmt.Fprintln(os.Stderr, "g-counter:", err)
		os.Exit(1)
	}
}
