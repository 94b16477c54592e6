// Command kafka is the node of Gossip Glomers challenges 5a-5c, a
// Kafka-style log (Maelstrom's kafka workload), in one of two modes:
// cas (the default: offsets from lin-kv compare-and-set, entries
// replicated to every node; package casmode) or leader (n0 assigns every
// offset and pushes entries to followers; package leader). See Config for
// how to pick a mode; scripts/kafka-cas.sh and scripts/kafka-leader.sh
// name them for --bin.
package main

import (
	"fmt"
	"os"

	"glomers/kafka/internal/api"
	"glomers/kafka/internal/casmode"
	"glomers/kafka/internal/leader"
	"glomers/kafka/internal/store"
	"glomers/node"
)

// backend is a mode: the client API plus its own handlers and ticker.
type backend interface {
	api.Backend
	Register()
	Run()
}

func main() {
	cfg, err := ParseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kafka:", err)
		os.Exit(2)
	}
	n := node.NewNode()
	var b backend
	n.Handle("init", func(node.Message) error {
		st := store.New(cfg.PollMax)
		st.SetMaxPerPoll(cfg.PollTotal)
		if cfg.Mode == ModeLeader {
			b = leader.New(n, cfg.Leader, st)
		} else {
			b = casmode.New(n, cfg.CAS, st)
		}
		b.Register()
		api.Register(n, b, api.DefaultSendTimeout)
		go b.Run()
		return nil
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "kafka:", err)
		os.Exit(1)
	}
}
