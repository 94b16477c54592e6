// Command local-reads is the raft node with a deliberate bug, for tests:
// a node that believes it leads answers reads from its own map at once,
// without confirming with a majority that it still leads. A leader that
// was paused (or cut off) while the others elected another leader serves
// stale values.
package main

import (
	"os"

	"glomers/node"
	"glomers/raft/internal/server"
)

func main() {
	n := node.NewNode()
	server.New(n, server.Options{
		DataDir:       os.Getenv(server.DataDirEnv),
		NoCheckQuorum: true,
		Unsafe:        server.Unsafe{LocalReads: true},
	}).Register()
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}
