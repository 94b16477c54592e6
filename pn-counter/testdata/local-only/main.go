// Command local-only is a deliberately broken pn-counter node for the
// harness tests: it counts only the adds it received itself and never
// replicates, so final reads on different nodes disagree with the sum of
// all adds.
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
		var req struct {
			Delta int64 `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return node.NewRPCErrorf(node.MalformedRequest, "%v", err)
		}
		total.Add(req.Delta)
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": total.Load()})
	})
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}
