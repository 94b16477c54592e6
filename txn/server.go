package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"sync"
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
// Replicator, made at init (they need the node ids).
func Register(n *node.Node, cfg Config) {
	type state struct {
		store *Store
		repl  *Replicator
	}
	get := sync.OnceValue(func() state {
		ids := n.NodeIDs()
		peers := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == n.ID() })
		repl := NewReplicator(peers, func(ctx context.Context, peer string, ws []Write) error {
			_, err := n.SyncRPC(ctx, peer, replicateBody{Type: "replicate", Writes: ws})
			return err
		})
		go repl.Run(n.Context(), cfg.Interval, cfg.Timeout)
		return state{NewStore(slices.Index(ids, n.ID())), repl}
	})
	n.Handle("init", func(node.Message) error {
		get()
		return nil
	})
	n.Handle("txn", func(msg node.Message) error {
		txn, err := decodeTxn(msg.Body)
		if err != nil {
			return node.Malformed(msg, err)
		}
		s := get()
		done, writes := s.store.Execute(txn)
		s.repl.Add(writes)
		return n.Reply(msg, txnOK{Type: "txn_ok", Txn: done})
	})
	n.Handle("replicate", func(msg node.Message) error {
		// Values stay json.Numbers: integers beyond float64's precision
		// must come back exactly as written.
		var body replicateBody
		dec := json.NewDecoder(bytes.NewReader(msg.Body))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			return node.Malformed(msg, err)
		}
		get().store.Apply(body.Writes)
		return n.Reply(msg, node.MessageBody{Type: "replicate_ok"})
	})
}
