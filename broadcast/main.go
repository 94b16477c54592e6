// Command broadcast is the node of Gossip Glomers challenges 3a-3e: it
// keeps every message broadcast to any node and gossips them in batches,
// with acknowledgements and retries (server.go). Arguments pick a preset
// (3d, 3e) and tunables (see Config).
package main

import (
	"fmt"
	"os"
	"runtime"

	"glomers/node"
)

func main() {
	// One P unless GOMAXPROCS says otherwise: the node needs little CPU,
	// and 25 of them on a small machine spend about a third less CPU
	// time (idle Ps spinning) with one P each.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	cfg, err := ParseConfig(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "broadcast:", err)
		os.Exit(2)
	}
	n := node.NewNode()
	s := NewServer(cfg)
	s.Register(n)
	go s.Run(n.Context(), n)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "broadcast:", err)
		os.Exit(1)
	}
}
