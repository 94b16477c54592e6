// Command separate is a deliberately broken kafka node, for tests only:
// every node keeps its own logs and numbers offsets from 0 by itself,
// with no replication. With two or more nodes two sends get the same
// offset of a key with different messages, which the checker must report
// (inconsistent-offsets) and judge invalid.
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
	logs := map[string][]json.RawMessage{}
	committed := map[string]int64{}
	n.Handle("send", func(m node.Message) error {
		var b struct {
			Key string          `json:"key"`
			Msg json.RawMessage `json:"msg"`
		}
		if err := m.DecodeBody(&b); err != nil {
			return err
		}
		mu.Lock()
		logs[b.Key] = append(logs[b.Key], b.Msg)
		off := len(logs[b.Key]) - 1
		mu.Unlock()
		return n.Reply(m, map[string]any{"type": "send_ok", "offset": off})
	})
	n.Handle("poll", func(m node.Message) error {
		var b struct {
			Offsets map[string]int `json:"offsets"`
		}
		if err := m.DecodeBody(&b); err != nil {
			return err
		}
		out := map[string][][2]any{}
		mu.Lock()
		for k, from := range b.Offsets {
			for i := max(from, 0); i < len(logs[k]); i++ {
				out[k] = append(out[k], [2]any{i, logs[k][i]})
			}
		}
		mu.Unlock()
		return n.Reply(m, map[string]any{"type": "poll_ok", "msgs": out})
	})
	n.Handle("commit_offsets", func(m node.Message) error {
		var b struct {
			Offsets map[string]int64 `json:"offsets"`
		}
		if err := m.DecodeBody(&b); err != nil {
			return err
		}
		mu.Lock()
		for k, o := range b.Offsets {
			committed[k] = max(committed[k], o)
		}
		mu.Unlock()
		return n.Reply(m, map[string]any{"type": "commit_offsets_ok"})
	})
	n.Handle("list_committed_offsets", func(m node.Message) error {
		var b struct {
			Keys []string `json:"keys"`
		}
		if err := m.DecodeBody(&b); err != nil {
			return err
		}
		out := map[string]int64{}
		mu.Lock()
		for _, k := range b.Keys {
			if o, ok := committed[k]; ok {
				out[k] = o
			}
		}
		mu.Unlock()
		return n.Reply(m, map[string]any{"type": "list_committed_offsets_ok", "offsets": out})
	})
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}
