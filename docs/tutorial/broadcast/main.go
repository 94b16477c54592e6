// Command broadcast is the tutorial's chapter 2 node: every message a
// client broadcasts reaches every node, by gossip along the topology,
// and each gossip is retried until the neighbour acknowledges it, so
// that a network partition only delays delivery.
package main

import (
	"context"
	"log"
	"slices"
	"sync"
	"time"

	"glomers/node"
)

type broadcastBody struct {
	node.MessageBody
	Message int `json:"message"`
}

type readOK struct {
	node.MessageBody
	Messages []int `json:"messages"`
}

type server struct {
	n          *node.Node
	mu         sync.Mutex
	seen       map[int]bool
	neighbours []string
}

func main() {
	s := &server{n: node.NewNode(), seen: map[int]bool{}}
	s.n.Handle("topology", s.topology)
	s.n.Handle("broadcast", s.broadcast)
	s.n.Handle("read", s.read)
	if err := s.n.Run(); err != nil {
		log.Fatal(err)
	}
}

func (s *server) topology(msg node.Message) error {
	body, err := node.Decode[struct {
		Topology map[string][]string `json:"topology"`
	}](msg)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.neighbours = body.Topology[s.n.ID()]
	s.mu.Unlock()
	return s.n.Reply(msg, node.MessageBody{Type: "topology_ok"})
}

// broadcast handles a message from a client or from a neighbour alike:
// the first time a node sees a message it keeps it and passes it on to
// every neighbour but the one it came from.
func (s *server) broadcast(msg node.Message) error {
	body, err := node.Decode[broadcastBody](msg)
	if err != nil {
		return err
	}
	s.mu.Lock()
	isNew := !s.seen[body.Message]
	s.seen[body.Message] = true
	neighbours := s.neighbours
	s.mu.Unlock()
	if isNew {
		for _, dest := range neighbours {
			if dest != msg.Src {
				go s.gossip(dest, body.Message)
			}
		}
	}
	return s.n.Reply(msg, node.MessageBody{Type: "broadcast_ok"})
}

// gossip sends m to dest until dest acknowledges it.
func (s *server) gossip(dest string, m int) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err := s.n.SyncRPC(ctx, dest, broadcastBody{node.MessageBody{Type: "broadcast"}, m})
		cancel()
		if err == nil {
			return
		}
		select {
		case <-s.n.Done(): // the test is over
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *server) read(msg node.Message) error {
	s.mu.Lock()
	messages := make([]int, 0, len(s.seen))
	for m := range s.seen {
		messages = append(messages, m)
	}
	s.mu.Unlock()
	slices.Sort(messages)
	return s.n.Reply(msg, readOK{node.MessageBody{Type: "read_ok"}, messages})
}
