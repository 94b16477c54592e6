// Command gcounter is the tutorial's chapter 3 node: a grow-only counter
// as a state-based CRDT. Each node counts its own adds in its slot of a
// map (node id -> count); every 100 ms it sends the whole map to every
// other node, which merges it slot by slot with max. Merging is
// commutative, associative and idempotent, so lost, repeated or reordered
// gossip does no harm: the next round repairs it.
package main

import (
	"log"
	"sync"
	"time"

	"glomers/node"
)

type stateBody struct {
	node.MessageBody
	Counts map[string]int64 `json:"counts"`
}

type readOK struct {
	node.MessageBody
	Value int64 `json:"value"`
}

type counter struct {
	mu     sync.Mutex
	counts map[string]int64
}

// merge folds another node's view into ours: each slot keeps the larger
// value, since a slot only ever grows.
func (c *counter) merge(other map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, v := range other {
		c.counts[id] = max(c.counts[id], v)
	}
}

func (c *counter) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.counts))
	for id, v := range c.counts {
		out[id] = v
	}
	return out
}

func main() {
	n := node.NewNode()
	c := &counter{counts: map[string]int64{}}
	n.Handle("add", func(msg node.Message) error {
		body, err := node.Decode[struct {
			Delta int64 `json:"delta"`
		}](msg)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.counts[n.ID()] += body.Delta
		c.mu.Unlock()
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		var sum int64
		for _, v := range c.snapshot() {
			sum += v
		}
		return n.Reply(msg, readOK{node.MessageBody{Type: "read_ok"}, sum})
	})
	n.Handle("state", func(msg node.Message) error {
		body, err := node.Decode[stateBody](msg)
		if err != nil {
			return err
		}
		c.merge(body.Counts)
		return nil // gossip needs no reply
	})
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			if !n.Initialized() {
				continue
			}
			state := stateBody{node.MessageBody{Type: "state"}, c.snapshot()}
			for _, peer := range n.NodeIDs() {
				if peer != n.ID() {
					n.Send(peer, state)
				}
			}
		}
	}()
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
