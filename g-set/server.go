package main

import (
	"encoding/json"
	"time"

	"glomers/internal/crdt"
	"glomers/node"
)

// Config sets how often the set is replicated.
type Config struct {
	// Interval between replication ticks: a new element reaches the
	// other nodes about this much later.
	Interval time.Duration
	// Timeout is how long a replicate waits for its ack before it counts
	// as lost (and is sent again on a later tick).
	Timeout time.Duration
}

// DefaultConfig replicates five times a second.
var DefaultConfig = Config{Interval: 200 * time.Millisecond, Timeout: 500 * time.Millisecond}

type addReq struct {
	Element json.RawMessage `json:"element"`
}

type readOK struct {
	Type  string            `json:"type"`
	Value []json.RawMessage `json:"value"`
}

// Register wires Maelstrom's g-set protocol (g_set.clj: add {element} ->
// add_ok, read -> read_ok {value}) to a Set replicated by periodic merges
// (crdt.Serve), and returns the set.
func Register(n *node.Node, cfg Config) *Set {
	s := NewSet()
	rep := crdt.Serve(n, s, cfg.Interval, cfg.Timeout)
	n.Handle("add", func(msg node.Message) error {
		var req addReq
		if err := json.Unmarshal(msg.Body, &req); err != nil || len(req.Element) == 0 {
			return node.NewRPCError(node.MalformedRequest, "add needs an element")
		}
		if err := s.Add(req.Element); err != nil {
			return node.NewRPCErrorf(node.MalformedRequest, "add: %v", err)
		}
		if err := rep.Save(); err != nil {
			return node.NewRPCErrorf(node.Crash, "add: saving: %v", err)
		}
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		return n.Reply(msg, readOK{Type: "read_ok", Value: s.Elements()})
	})
	return s
}
