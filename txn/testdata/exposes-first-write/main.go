// Command exposes-first-write is a deliberately broken txn node for tests:
// it applies each micro-op on its own, pausing between them, so a
// transaction that writes a key twice shows its first write to concurrent
// transactions while it still runs: intermediate reads (G1b), which read
// committed forbids.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	var (
		mu   sync.Mutex
		data = map[string]any{}
	)
	n.Handle("txn", func(msg node.Message) error {
		var body struct {
			Txn [][3]any `json:"txn"`
		}
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return node.Malformed(msg, err)
		}
		for i, m := range body.Txn {
			if i > 0 {
				time.Sleep(2 * time.Millisecond)
			}
			k := fmt.Sprint(m[1])
			mu.Lock()
			if m[0] == "w" {
				data[k] = m[2]
			} else {
				body.Txn[i][2] = data[k]
			}
			mu.Unlock()
		}
		return n.Reply(msg, map[string]any{"type": "txn_ok", "txn": body.Txn})
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
