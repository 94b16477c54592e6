package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

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

// NewIDs returns a generator of thunk ids unique across the cluster and
// across restarts: node id, the process's start time, a counter. A node
// killed and restarted counts from 1 again, and must not overwrite the
// segments of its earlier incarnation that roots still name.
func NewIDs(nodeID func() string) func() string {
	var seq atomic.Uint64
	start := strconv.FormatInt(time.Now().UnixNano(), 36)
	return func() string { return fmt.Sprintf("%s-%s-%d", nodeID(), start, seq.Add(1)) }
}

// Register wires Maelstrom's txn-list-append protocol (txn_list_append.clj:
// txn {txn: [[f k v] ...]} -> txn_ok with the reads filled in) to a Store
// on lin-kv and lww-kv, started at init, and the node-to-node push of
// commits (no reply).
func Register(n *node.Node, cfg StoreConfig) {
	newID := NewIDs(n.ID)
	push := func(p Push) {
		for _, peer := range n.NodeIDs() {
			if peer != n.ID() {
				_ = n.Send(peer, pushBody{Type: "push", Push: p})
			}
		}
	}
	store := NewStore(node.NewLinKV(n), node.NewLWWKV(n), newID, push, cfg)
	n.Handle("init", func(node.Message) error {
		go store.Run(n.Context())
		return nil
	})
	n.Handle("txn", func(msg node.Message) error {
		var req txnReq
		if err := json.Unmarshal(msg.Body, &req); err != nil || len(req.Txn) == 0 {
			return node.NewRPCError(node.MalformedRequest, "txn needs a list of micro-ops")
		}
		txn, err := ParseTxn(req.Txn)
		if err != nil {
			return node.NewRPCErrorf(node.MalformedRequest, "%v", err)
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
