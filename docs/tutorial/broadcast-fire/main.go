// Command broadcast-fire is chapter 2's node broken on purpose: it gossips
// each message once, fire and forget. That is enough while the network
// delivers everything, and loses messages as soon as a partition drops
// some gossip.
package main

import (
	"log"
	"slices"
	"sync"

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
				// BUG: sent once; if the network drops it, it is gone.
				s.n.Send(dest, broadcastBody{node.MessageBody{Type: "broadcast"}, body.Message})
			}
		}
	}
	if !msg.HasMsgID() {
		return nil // gossip from a neighbour expects no reply
	}
	return s.n.Reply(msg, node.MessageBody{Type: "broadcast_ok"})
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
