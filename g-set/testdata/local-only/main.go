// Command local-only is a deliberately broken g-set node for the harness
// tests: it keeps its set but never replicates it, so a read on one node
// misses what was added on another, and set-full reports those elements
// lost.
package main

import (
	"encoding/json"
	"os"
	"sync"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	var mu sync.Mutex
	var elems []json.RawMessage
	n.Handle("add", func(msg node.Message) error {
		var req struct {
			Element json.RawMessage `json:"element"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return node.NewRPCErrorf(node.MalformedRequest, "%v", err)
		}
		mu.Lock()
		elems = append(elems, req.Element)
		mu.Unlock()
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		mu.Lock()
		defer mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": append([]json.RawMessage{}, elems...)})
	})
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}
