// Command raft is a lin-kv node (Maelstrom's lin-kv workload, the last
// chapter of its tutorial) replicated with Raft, durable across SIGKILL
// when the harness names a data directory in $GLOMERS_DATA_DIR.
//
// This is a teaching solution, written here rather than built on
// go.etcd.io/raft/v3. The point of the exercise is to write Raft; a
// learner reads these few hundred lines in an afternoon, while etcd's raft
// (flow control, snapshots, joint consensus, protobuf messages) is ten
// times that, and wiring it up would hide the algorithm behind its
// Storage and Ready contracts. The shape is etcd's, though: the algorithm
// (internal/raft) is a pure state machine with no I/O, tested scenario by
// scenario in internal/raft/testdata; the edge (internal/server) owns the
// clock, the disk and the network; this file only wires them.
package main

import (
	"fmt"
	"os"

	"glomers/node"
	"glomers/raft/internal/server"
)

func main() {
	n := node.NewNode()
	server.New(n, server.Options{DataDir: os.Getenv(server.DataDirEnv)}).Register()
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "raft:", err)
		os.Exit(1)
	}
}
