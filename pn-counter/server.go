package main

import (
	"encoding/json"
	"time"

	"glomers/internal/crdt"
	"glomers/node"
)

// Config sets how often the counter is replicated.
type Config struct {
	// Interval between replication ticks.
	Interval time.Duration
	// Timeout is how long a replicate waits for its ack before it counts
	// as lost (and is sent again on a later tick).
	Timeout time.Duration
}

// DefaultConfig replicates five times a second.
var DefaultConfig = Config{Interval: 200 * time.Millisecond, Timeout: 500 * time.Millisecond}

type addReq struct {
	Delta *int64 `json:"delta"`
}

type readOK struct {
	Type  string `json:"type"`
	Value int64  `json:"value"`
}

// Register wires Maelstrom's pn-counter protocol (pn_counter.clj: add
// {delta} -> add_ok, read -> read_ok {value}) to a Counter replicated by
// periodic merges (crdt.Serve), and returns the counter. Adds and reads
// are local, so both stay available through partitions; reads may lag
// behind other nodes' adds by a few ticks, which the workload allows (only
// final reads, after the partitions heal, are checked).
func Register(n *node.Node, cfg Config) *Counter {
	c := NewCounter("")
	rep := crdt.Serve(n, c, cfg.Interval, cfg.Timeout)
	n.Handle("add", func(msg node.Message) error {
		var req addReq
		if err := json.Unmarshal(msg.Body, &req); err != nil || req.Delta == nil {
			return node.NewRPCError(node.MalformedRequest, "add needs an integer delta")
		}
		c.SetID(n.ID())
		c.Add(*req.Delta)
		if err := rep.Save(); err != nil {
			return node.NewRPCErrorf(node.Crash, "add: saving: %v", err)
		}
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		return n.Reply(msg, readOK{Type: "read_ok", Value: c.Value()})
	})
	return c
}
