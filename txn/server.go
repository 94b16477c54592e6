package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"

	"glomers/node"
)

// Config tunes replication.
type Config struct {
	// Interval between replication batches to each peer.
	Interval time.Duration
	// Timeout for a peer's acknowledgement of a batch; an unacknowledged
	// batch is resent at the next interval.
	Timeout time.Duration
}

// DefaultConfig batches every 50 ms: at rate 1000 that is about 50
// transactions' writes per message, and replication stays far below the
// client's view of time.
var DefaultConfig = Config{Interval: 50 * time.Millisecond, Timeout: 500 * time.Millisecond}

type txnOK struct {
	Type string `json:"type"`
	Txn  []Mop  `json:"txn"`
}

type replicateBody struct {
	Type   string  `json:"type"`
	Writes []Write `json:"writes"`
}

// Register wires the txn-rw-register protocol (txn -> txn_ok) and the
// node-to-node replicate -> replicate_ok exchange to a Store and a
// Replicator, both created at init.
func Register(n *node.Node, cfg Config) {
	var (
		store *Store
		repl  *Replicator
	)
	ready := make(chan struct{})
	n.Handle("init", func(node.Message) error {
		ids := n.NodeIDs()
		store = NewStore(slices.Index(ids, n.ID()))
		peers := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == n.ID() })
		repl = NewReplicator(peers, func(ctx context.Context, peer string, ws []Write) error {
			_, err := n.SyncRPC(ctx, peer, replicateBody{Type: "replicate", Writes: ws})
			return err
		})
		go repl.Run(n.Context(), cfg.Interval, cfg.Timeout)
		close(ready)
		return nil
	})
	initialised := func() error {
		select {
		case <-ready:
			return nil
		default:
			return node.NewRPCError(node.CodeTemporarilyUnavailable, "not initialised")
		}
	}
	n.Handle("txn", func(msg node.Message) error {
		if err := initialised(); err != nil {
			return err
		}
		txn, err := decodeTxn(msg.Body)
		if err != nil {
			return node.Malformed(msg, err)
		}
		done, writes := store.Execute(txn)
		repl.Add(writes)
		return n.Reply(msg, txnOK{Type: "txn_ok", Txn: done})
	})
	n.Handle("replicate", func(msg node.Message) error {
		if err := initialised(); err != nil {
			return err
		}
		var body replicateBody
		dec := json.NewDecoder(bytes.NewReader(msg.Body))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			return node.Malformed(msg, err)
		}
		store.Apply(body.Writes)
		return n.Reply(msg, node.MessageBody{Type: "replicate_ok"})
	})
}
