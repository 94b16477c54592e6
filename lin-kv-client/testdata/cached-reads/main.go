// Command cached-reads is a deliberately broken lin-kv proxy for tests: it
// forwards writes and cas to lin-kv but remembers the values it wrote and
// answers reads of those keys from that local cache, so it misses what
// other nodes wrote since.
package main

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"time"

	"glomers/node"
)

type request struct {
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
	From  json.RawMessage `json:"from"`
	To    json.RawMessage `json:"to"`
}

func main() {
	n := node.NewNode()
	kv := node.NewLinKV(n)
	var mu sync.Mutex
	cache := map[string]json.RawMessage{}
	decode := func(msg node.Message) (request, context.Context, context.CancelFunc) {
		var r request
		_ = json.Unmarshal(msg.Body, &r)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		return r, ctx, cancel
	}
	n.Handle("read", func(msg node.Message) error {
		r, ctx, cancel := decode(msg)
		defer cancel()
		mu.Lock()
		v, ok := cache[string(r.Key)]
		mu.Unlock()
		if !ok {
			var err error
			if v, err = kv.ReadRaw(ctx, string(r.Key)); err != nil {
				return err
			}
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": v})
	})
	n.Handle("write", func(msg node.Message) error {
		r, ctx, cancel := decode(msg)
		defer cancel()
		if err := kv.Write(ctx, string(r.Key), r.Value); err != nil {
			return err
		}
		mu.Lock()
		cache[string(r.Key)] = r.Value
		mu.Unlock()
		return n.Reply(msg, node.MessageBody{Type: "write_ok"})
	})
	n.Handle("cas", func(msg node.Message) error {
		r, ctx, cancel := decode(msg)
		defer cancel()
		if err := kv.CompareAndSwap(ctx, string(r.Key), r.From, r.To, false); err != nil {
			return err
		}
		mu.Lock()
		cache[string(r.Key)] = r.To
		mu.Unlock()
		return n.Reply(msg, node.MessageBody{Type: "cas_ok"})
	})
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}
