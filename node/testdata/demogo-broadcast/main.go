// Command demogo-broadcast is a broadcast node written the way public
// solutions written against Maelstrom's demo/go library are: only its
// import line differs from such a program. A broadcast handler replies,
// then forwards the message to every other node with SyncRPC, retrying
// each peer until it acknowledges with gossip_ok. The node tests run it
// through the harness.
package main

import (
	"context"
	"encoding/json"
	"log"
	"sync"
	"time"

	maelstrom "glomers/node"
)

func main() {
	n := maelstrom.NewNode()
	var mu sync.Mutex
	seen := map[int]bool{}

	n.Handle("broadcast", func(msg maelstrom.Message) error {
		var body map[string]any
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		m := int(body["message"].(float64))
		mu.Lock()
		dup := seen[m]
		seen[m] = true
		mu.Unlock()
		if _, fromClient := body["msg_id"]; fromClient {
			if err := n.Reply(msg, map[string]any{"type": "broadcast_ok"}); err != nil {
				return err
			}
		}
		if dup {
			return nil
		}
		for _, peer := range n.NodeIDs() {
			if peer == n.ID() || peer == msg.Src {
				continue
			}
			go func(peer string) {
				for {
					ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
					_, err := n.SyncRPC(ctx, peer, map[string]any{"type": "gossip", "message": m})
					cancel()
					if err == nil {
						return
					}
				}
			}(peer)
		}
		return nil
	})

	n.Handle("gossip", func(msg maelstrom.Message) error {
		var body map[string]any
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		m := int(body["message"].(float64))
		mu.Lock()
		seen[m] = true
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "gossip_ok"})
	})

	n.Handle("read", func(msg maelstrom.Message) error {
		mu.Lock()
		list := make([]int, 0, len(seen))
		for m := range seen {
			list = append(list, m)
		}
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "read_ok", "messages": list})
	})

	n.Handle("topology", func(msg maelstrom.Message) error {
		return n.Reply(msg, map[string]any{"type": "topology_ok"})
	})

	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
