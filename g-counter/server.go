package main

import (
	"context"
	"sync"
	"time"

	"glomers/node"
)

type addBody struct {
	Delta *int64 `json:"delta"`
}

type readOKBody struct {
	Type  string `json:"type"`
	Value int64  `json:"value"`
}

// readBudget bounds a read's refresh: just inside the client's 5 s timeout, so
// that slow networks still get fresh final reads.
const readBudget = 4500 * time.Millisecond

// Register wires the g-counter protocol (Maelstrom's g_counter.clj: add
// {delta} -> add_ok, read -> read_ok {value}) to a Counter on seq-kv. The
// counter is made at init (it needs the node ids), with its flush loop.
func Register(n *node.Node, cfg Config) {
	counter := sync.OnceValue(func() *Counter {
		c := NewCounter(n.ID(), n.NodeIDs(), node.NewSeqKV(n), cfg)
		go c.FlushLoop(n.Context())
		return c
	})
	n.Handle("init", func(node.Message) error {
		counter()
		return nil
	})
	n.Handle("add", func(msg node.Message) error {
		body, err := node.Decode[addBody](msg)
		if err != nil || body.Delta == nil {
			return node.NewRPCError(node.MalformedRequest, "add needs an integer delta")
		}
		if err := counter().Add(*body.Delta); err != nil {
			return err
		}
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		ctx, cancel := context.WithTimeout(context.Background(), readBudget)
		defer cancel()
		v, err := counter().Read(ctx)
		if err != nil {
			// A read changes nothing: say so definitely.
			return node.NewRPCErrorf(node.TemporarilyUnavailable, "read: %v", err)
		}
		return n.Reply(msg, readOKBody{Type: "read_ok", Value: v})
	})
}
