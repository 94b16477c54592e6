package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"

	"glomers/node"
)

type txnReq struct {
	Txn json.RawMessage `json:"txn"`
}

type txnOK struct {
	Type string      `json:"type"`
	Txn  []Completed `json:"txn"`
}

type pushBody struct {
	Type string `json:"type"`
	Push
}

// Register wires Maelstrom's txn-list-append protocol (txn_list_append.clj:
// txn {txn: [[f k v] ...]} -> txn_ok with the reads filled in) to a Store
// on lin-kv and lww-kv, started at init, and the node-to-node push of
// commits (no reply).
func Register(n *node.Node, cfg StoreConfig) {
	var seq atomic.Uint64
	newID := func() string { return fmt.Sprintf("%s-%d", n.ID(), seq.Add(1)) }
	push := func(p Push) {
		for _, peer := range n.NodeIDs() {
			if peer != n.ID() {
				_ = n.Send(peer, pushBody{Type: "push", Push: p})
			}
		}
	}
	store := NewStore(node.NewLinKV(n), node.NewLWWKV(n), newID, push, cfg)
	n.Handle("init", func(node.Message) error {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-n.Done(); cancel() }()
		go store.Run(ctx)
		return nil
	})
	n.Handle("txn", func(msg node.Message) error {
		var req txnReq
		if err := json.Unmarshal(msg.Body, &req); err != nil || len(req.Txn) == 0 {
			return node.NewRPCError(node.CodeMalformedRequest, "txn needs a list of micro-ops")
		}
		txn, err := ParseTxn(req.Txn)
		if err != nil {
			return node.NewRPCError(node.CodeMalformedRequest, "%v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), n.RPCTimeout())
		defer cancel()
		done, err := store.Transact(ctx, txn)
		if err != nil {
			return err
		}
		return n.Reply(msg, txnOK{Type: "txn_ok", Txn: done})
	})
	n.Handle("push", func(msg node.Message) error {
		var p Push
		if err := json.Unmarshal(msg.Body, &p); err != nil || !slices.Contains(n.NodeIDs(), msg.Src) {
			return nil // a hint from a peer: ignore what is not one
		}
		store.Receive(p)
		return nil
	})
}
