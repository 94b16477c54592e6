// Command forget-vote is the raft node with a deliberate bug, for tests:
// it persists its log but not its term and vote. Killed and restarted, it
// starts again in term 0, so it may vote a second time in a term it voted
// in (the "two leaders in a term"), and it accepts appends from a
// deposed leader of an older term although it acknowledged entries of a
// newer one. The second is what the harness catches: see
// TestForgetVoteIsCaught in raft/harness_test.go.
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
