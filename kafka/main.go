// Command kafka is the node of Gossip Glomers challenges 5a-5c, a
// Kafka-style log (Maelstrom's kafka workload), in one of two modes:
//
//   - cas (the default, cas.go): offsets from a lin-kv compare-and-swap,
//     messages and commits replicated to every node;
//   - leader (leader.go): the first node gives every offset, the others
//     forward sends to it, and it pushes what it appends to them.
//
// The mode is a bare argument ("cas" or "leader": Maelstrom passes the
// test command's non-option arguments to the binary) or KAFKA_MODE; the
// argument wins. scripts/kafka-cas.sh and scripts/kafka-leader.sh name
// them for --bin. server.go holds what both modes share: the handlers, the
// logs (logs.go) and the replication stream (stream.go); wire.go reads and
// writes the message bodies.
package main

import (
	"fmt"
	"os"

	"glomers/node"
)

func main() {
	mode, err := parseMode(os.Args[1:], os.Getenv("KAFKA_MODE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "kafka:", err)
		os.Exit(2)
	}
	n := node.NewNode()
	start(n, mode)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "kafka:", err)
		os.Exit(1)
	}
}

// start registers the handlers of a node in mode and starts its
// replication loop.
func start(n *node.Node, mode string) {
	s := newServer(n)
	s.register()
	if mode == "leader" {
		newLeaderMode(s)
	} else {
		newCASMode(s)
	}
	go s.replicate(n.Context())
}

// parseMode picks the mode from the arguments, else from env, else cas.
func parseMode(args []string, env string) (string, error) {
	mode := env
	for _, a := range args {
		mode = a
	}
	switch mode {
	case "", "cas":
		return "cas", nil
	case "leader":
		return "leader", nil
	}
	return "", fmt.Errorf("unknown mode %q: want cas or leader", mode)
}
