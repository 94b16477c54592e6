// Command gcounter-sum is chapter 3's node broken on purpose: it treats
// the sender's slot in each gossip as news to add, where the correct node
// takes the larger value. Gossip repeats the same state every round, so
// every round counts the same adds once more.
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

// merge folds the sender's view into ours.
func (c *counter) merge(from string, other map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[from] += other[from] // BUG: not idempotent; max is
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
		c.merge(msg.Src, body.Counts)
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
