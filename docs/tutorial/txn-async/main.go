// Command txn-async is chapter 5's node broken on purpose: each node runs
// transactions on its own copy and sends its writes to the others
// afterwards. Two nodes can then each read a value the other is about to
// overwrite, and the transactions fit no serial order.
package main

import (
	"encoding/json"
	"log"
	"sync"

	"glomers/node"
)

type txnBody struct {
	node.MessageBody
	Txn [][3]any `json:"txn"`
}

func main() {
	n := node.NewNode()
	var mu sync.Mutex
	db := map[string]any{}
	apply := func(txn [][3]any) {
		mu.Lock()
		defer mu.Unlock()
		for i, mop := range txn {
			k, _ := json.Marshal(mop[1])
			switch mop[0] {
			case "r":
				txn[i][2] = db[string(k)]
			case "w":
				db[string(k)] = mop[2]
			}
		}
	}
	n.Handle("txn", func(msg node.Message) error {
		body, err := node.Decode[txnBody](msg)
		if err != nil {
			return err
		}
		apply(body.Txn)
		var writes [][3]any
		for _, mop := range body.Txn {
			if mop[0] == "w" {
				writes = append(writes, mop)
			}
		}
		for _, peer := range n.NodeIDs() {
			if peer != n.ID() && len(writes) > 0 {
				// BUG: replicated after the fact, so nodes disagree meanwhile.
				n.Send(peer, txnBody{node.MessageBody{Type: "replicate"}, writes})
			}
		}
		return n.Reply(msg, txnBody{node.MessageBody{Type: "txn_ok"}, body.Txn})
	})
	n.Handle("replicate", func(msg node.Message) error {
		body, err := node.Decode[txnBody](msg)
		if err != nil {
			return err
		}
		apply(body.Txn)
		return nil
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
