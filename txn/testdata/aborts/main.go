// Command aborts is a deliberately broken txn node for tests: it applies a
// transaction's writes and then, for every third transaction that writes,
// answers error 30 (txn-conflict, definite) without undoing them. Other
// transactions read those writes: aborted reads (G1a), which read
// committed forbids.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	var (
		mu    sync.Mutex
		data  = map[string]any{}
		count int
	)
	n.Handle("txn", func(msg node.Message) error {
		var body struct {
			Txn [][3]any `json:"txn"`
		}
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return node.Malformed(msg, err)
		}
		mu.Lock()
		wrote := false
		for i, m := range body.Txn {
			k := fmt.Sprint(m[1])
			if m[0] == "w" {
				data[k] = m[2]
				wrote = true
			} else {
				body.Txn[i][2] = data[k]
			}
		}
		if wrote {
			count++
		}
		abort := wrote && count%3 == 0
		mu.Unlock()
		if abort {
			return node.NewRPCError(node.TxnConflict, "aborted (but the writes stay)")
		}
		return n.Reply(msg, map[string]any{"type": "txn_ok", "txn": body.Txn})
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
