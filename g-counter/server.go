package main

import (
	"context"
	"encoding/json"

	"glomers/node"
)

type addBody struct {
	Delta *int64 `json:"delta"`
}

type readOKBody struct {
	Type  string `json:"type"`
	Value int64  `json:"value"`
}

// Register wires the g-counter protocol (Maelstrom's g_counter.clj: add
// {delta} -> add_ok, read -> read_ok {value}) to a Counter on seq-kv,
// created at init together with its flush loop.
func Register(n *node.Node, cfg Config) {
	var c *Counter
	ready := make(chan struct{})
	n.Handle("init", func(node.Message) error {
		c = NewCounter(n.ID(), n.NodeIDs(), node.NewSeqKV(n), cfg)
		go c.FlushLoop(n.Context())
		close(ready)
		return nil
	})
	counter := func() (*Counter, error) {
		select {
		case <-ready:
			return c, nil
		default:
			return nil, node.NewRPCError(node.CodeTemporarilyUnavailable, "not initialised")
		}
	}
	n.Handle("add", func(msg node.Message) error {
		c, err := counter()
		if err != nil {
			return err
		}
		var body addBody
		if err := json.Unmarshal(msg.Body, &body); err != nil || body.Delta == nil {
			return node.NewRPCError(node.CodeMalformedRequest, "add needs an integer delta")
		}
		if err := c.Add(*body.Delta); err != nil {
			return err
		}
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		c, err := counter()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), readBudget)
		defer cancel()
		v, err := c.Read(ctx)
		if err != nil {
			// A read changes nothing: say so definitely.
			return node.NewRPCErrorf(node.CodeTemporarilyUnavailable, "read: %v", err)
		}
		return n.Reply(msg, readOKBody{Type: "read_ok", Value: v})
	})
}
