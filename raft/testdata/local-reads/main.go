// Command local-reads is the raft node with a deliberate bug, for tests:
// a node that believes it leads answers reads from its own map at once,
// without confirming with a majority that it still leads. A leader that
// was paused (or cut off) while the others elected another leader serves
// stale values.
package main

import (
	"os"

	"glomers/raft/internal/server"
)

func main() {
	if err := server.RunVariant(server.Unsafe{LocalReads: true}); err != nil {
		os.Exit(1)
	}
}
