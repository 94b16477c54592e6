// Command local-only is a deliberately broken g-counter (and pn-counter)
// node for tests: it counts only the adds it received itself, of any sign,
// and never talks to anyone, so with more than one node the final reads
// disagree.
package main

import (
	"encoding/json"
	"os"
	"sync/atomic"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	var total atomic.Int64
	n.Handle("add", func(msg node.Message) error {
		var body struct {
			Delta int64 `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return node.NewRPCErrorf(node.MalformedRequest, "%v", err)
		}
		total.Add(body.Delta)
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": total.Load()})
	})
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}
