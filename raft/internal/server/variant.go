package server

import (
	"os"

	"glomers/node"
)

// RunVariant runs a deliberately broken variant of the raft node (the
// programs under raft/testdata) on standard input and output: the server
// with its data directory from $GLOMERS_DATA_DIR, check-quorum off, and the
// unsafe behaviour u. It returns when the node stops.
func RunVariant(u Unsafe) error {
	n := node.NewNode()
	New(n, Options{
		DataDir:       os.Getenv(DataDirEnv),
		NoCheckQuorum: true,
		Unsafe:        u,
	}).Register()
	return n.Run()
}
