// Command txn-list-append is a node for Maelstrom's txn-list-append
// workload: a strict-serializable transactional store of lists, built as
// Maelstrom's Datomic tutorial builds it (one root in lin-kv naming
// immutable thunks in lww-kv), with group commit, bucketed thunks and
// pushed caches (see Store).
package main

import (
	"fmt"
	"os"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	Register(n, DefaultStoreConfig)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "txn-list-append:", err)
		os.Exit(1)
	}
}
