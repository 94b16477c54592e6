// Command early-ack is the raft node with a deliberate bug, for tests: a
// leader counts every entry it has appended as committed, so it
// acknowledges writes before a majority holds them. A leader cut off by a
// partition, or killed, loses writes it acknowledged.
package main

import (
	"os"

	"glomers/raft/internal/server"
)

func main() {
	if err := server.RunVariant(server.Unsafe{AckBeforeMajority: true}); err != nil {
		os.Exit(1)
	}
}
