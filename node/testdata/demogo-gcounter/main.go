// Command demogo-gcounter is a g-counter written the way public solutions
// written against Maelstrom's demo/go library are: only its import line
// differs from such a program. Init writes 0 to a lin-kv key with the KV
// client (a SyncRPC inside the init handler), add is a read-then-CAS loop
// that tells a lost race from other failures with ErrorCode, and read
// reads the key. The node tests run it through the harness.
package main

import (
	"context"
	"encoding/json"
	"log"
	"time"

	maelstrom "glomers/node"
)

const key = "counter"

func main() {
	n := maelstrom.NewNode()
	kv := maelstrom.NewLinKV(n)

	n.Handle("init", func(msg maelstrom.Message) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		// Every node writes 0; all inits finish before any add.
		return kv.Write(ctx, key, 0)
	})

	n.Handle("add", func(msg maelstrom.Message) error {
		var body map[string]any
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		delta := int(body["delta"].(float64))
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			v, err := kv.ReadInt(ctx, key)
			if err != nil && maelstrom.ErrorCode(err) != maelstrom.KeyDoesNotExist {
				cancel()
				return err
			}
			err = kv.CompareAndSwap(ctx, key, v, v+delta, true)
			cancel()
			if err == nil {
				break
			}
			if maelstrom.ErrorCode(err) != maelstrom.PreconditionFailed {
				return err
			}
		}
		return n.Reply(msg, map[string]any{"type": "add_ok"})
	})

	n.Handle("read", func(msg maelstrom.Message) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		v, err := kv.ReadInt(ctx, key)
		if err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": v})
	})

	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
