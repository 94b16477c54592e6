// Command early-ack is the raft node with a deliberate bug, for tests: a
// leader counts every entry it has appended as committed, so it
// acknowledges writes before a majority holds them. A leader cut off by a
// partition, or killed, loses writes it acknowledged.
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
		Unsafe:        server.Unsafe{AckBeforeMajority: true},
	}).Register()
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}
