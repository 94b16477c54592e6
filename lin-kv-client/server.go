package main

import (
	"context"
	"encoding/json"
	"time"

	"glomers/node"
)

// callTimeout bounds one service call. lin_kv.clj's client gives up after
// max(10 × mean latency, 1 s); past that no answer is useful.
const callTimeout = 2 * time.Second

type request struct {
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
	From  json.RawMessage `json:"from"`
	To    json.RawMessage `json:"to"`
}

type readOK struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// Register wires lin_kv.clj's read, write and cas requests to p.
func Register(n *node.Node, p *Proxy) {
	n.Handle("read", func(msg node.Message) error {
		r, err := node.Decode[request](msg)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		v, err := p.Read(ctx, r.Key)
		if err != nil {
			return err
		}
		return n.Reply(msg, readOK{Type: "read_ok", Value: v})
	})
	n.Handle("write", func(msg node.Message) error {
		r, err := node.Decode[request](msg)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		if err := p.Write(ctx, r.Key, r.Value); err != nil {
			return err
		}
		return n.Reply(msg, node.MessageBody{Type: "write_ok"})
	})
	n.Handle("cas", func(msg node.Message) error {
		r, err := node.Decode[request](msg)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		if err := p.CAS(ctx, r.Key, r.From, r.To); err != nil {
			return err
		}
		return n.Reply(msg, node.MessageBody{Type: "cas_ok"})
	})
}
