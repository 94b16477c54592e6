// Command txn is the tutorial's chapter 5 node: transactions over
// read/write registers, made serializable the plain way. Every node
// forwards each transaction to n0, which runs it whole under one lock:
// transactions then happen one after another, in an order that agrees with
// real time, which is strict serializability. (Chapter 4's idea again: one
// order, decided in one place.)
package main

import (
	"context"
	"encoding/json"
	"log"
	"sync"

	"glomers/node"
)

const leader = "n0"

// A micro-operation is [f, key, value]: ["r", 1, null] or ["w", 1, 5].
type txnBody struct {
	node.MessageBody
	Txn [][3]any `json:"txn"`
}

func main() {
	n := node.NewNode()
	var mu sync.Mutex
	db := map[string]any{}
	n.Handle("txn", func(msg node.Message) error {
		if n.ID() != leader {
			reply, err := n.SyncRPC(context.Background(), leader, json.RawMessage(msg.Body))
			if err != nil {
				return err
			}
			return n.Reply(msg, json.RawMessage(reply.Body))
		}
		body, err := node.Decode[txnBody](msg)
		if err != nil {
			return err
		}
		mu.Lock()
		for i, mop := range body.Txn {
			k, _ := json.Marshal(mop[1])
			switch mop[0] {
			case "r":
				body.Txn[i][2] = db[string(k)] // nil when never written
			case "w":
				db[string(k)] = mop[2]
			}
		}
		mu.Unlock()
		return n.Reply(msg, txnBody{node.MessageBody{Type: "txn_ok"}, body.Txn})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
