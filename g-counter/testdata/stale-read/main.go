// Command stale-read is a deliberately broken g-counter node for tests:
// adds are applied to one shared seq-kv key with a read-then-CAS loop
// (correct), but a read is a plain seq-kv read of that key, without first
// moving this node's view of seq-kv forward. seq-kv may serve such a read
// from any state at or after the one this node last saw, so the final
// read can miss other nodes' adds.
package main

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	kv := node.NewSeqKV(n)
	n.Handle("add", func(msg node.Message) error {
		var body struct {
			Delta int64 `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return node.NewRPCErrorf(node.MalformedRequest, "%v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := kv.Update(ctx, "counter", func(old any, exists bool) (any, error) {
			v, _ := old.(float64)
			return int64(v) + body.Delta, nil
		})
		if err != nil {
			return err
		}
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		v, err := kv.ReadInt(ctx, "counter")
		if node.HasCode(err, node.KeyDoesNotExist) {
			v, err = 0, nil
		}
		if err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": v})
	})
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}
