// Command blocks is a deliberately broken kafka node, for tests only: it
// reserves offsets in blocks per node (with 2 nodes, n0 takes 0-99, n1
// 100-199, n0 200-299, ...) and gossips its entries to the other nodes,
// serving polls from everything it holds in offset order. A reader that
// has read n1's 100 before n0 fills 5 has skipped 5: the checker must
// report poll-skip (or lost-write) and judge the run invalid. This is the
// block-batching trap the real node avoids.
package main

import (
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"glomers/node"
)

const blockSize = 100

type entry struct {
	Key string          `json:"k"`
	Off int             `json:"o"`
	Msg json.RawMessage `json:"m"`
}

func main() {
	n := node.NewNode()
	var mu sync.Mutex
	logs := map[string]map[int]json.RawMessage{}
	next := map[string]int{} // per key: the next offset of this node
	var pending []entry      // to gossip
	put := func(e entry) {
		if logs[e.Key] == nil {
			logs[e.Key] = map[int]json.RawMessage{}
		}
		logs[e.Key][e.Off] = e.Msg
	}
	n.Handle("init", func(node.Message) error {
		go func() {
			for {
				select {
				case <-n.Done():
					return
				case <-time.After(50 * time.Millisecond):
				}
				mu.Lock()
				batch := pending
				pending = nil
				mu.Unlock()
				if len(batch) == 0 {
					continue
				}
				for _, p := range n.NodeIDs() {
					if p != n.ID() {
						_ = n.Send(p, map[string]any{"type": "gossip", "entries": batch})
					}
				}
			}
		}()
		return nil
	})
	n.Handle("gossip", func(m node.Message) error {
		var b struct {
			Entries []entry `json:"entries"`
		}
		if err := m.DecodeBody(&b); err == nil {
			mu.Lock()
			for _, e := range b.Entries {
				put(e)
			}
			mu.Unlock()
		}
		return nil
	})
	n.Handle("send", func(m node.Message) error {
		var b struct {
			Key string          `json:"key"`
			Msg json.RawMessage `json:"msg"`
		}
		if err := m.DecodeBody(&b); err != nil {
			return err
		}
		me, _ := strconv.Atoi(n.ID()[1:])
		nodes := len(n.NodeIDs())
		mu.Lock()
		off, ok := next[b.Key]
		if !ok || off%blockSize == 0 && off != me*blockSize {
			if ok {
				off += (nodes - 1) * blockSize // skip the other nodes' blocks
			} else {
				off = me * blockSize
			}
		}
		next[b.Key] = off + 1
		e := entry{b.Key, off, b.Msg}
		put(e)
		pending = append(pending, e)
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
			var offs []int
			for o := range logs[k] {
				if o >= from {
					offs = append(offs, o)
				}
			}
			sort.Ints(offs)
			for _, o := range offs {
				out[k] = append(out[k], [2]any{o, logs[k][o]})
			}
		}
		mu.Unlock()
		return n.Reply(m, map[string]any{"type": "poll_ok", "msgs": out})
	})
	n.Handle("commit_offsets", func(m node.Message) error {
		return n.Reply(m, map[string]any{"type": "commit_offsets_ok"})
	})
	n.Handle("list_committed_offsets", func(m node.Message) error {
		return n.Reply(m, map[string]any{"type": "list_committed_offsets_ok", "offsets": map[string]int{}})
	})
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}
