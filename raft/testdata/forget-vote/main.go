// Command forget-vote is the raft node with a deliberate bug, for tests:
// it persists its term and log but not its vote. Killed and restarted in
// the middle of an election, it can vote twice in one term and so elect
// two leaders, which then commit different entries at the same index.
package main

import (
	"os"

	"glomers/raft/internal/server"
)

func main() {
	if err := server.RunVariant(server.Unsafe{ForgetVote: true}); err != nil {
		os.Exit(1)
	}
}
