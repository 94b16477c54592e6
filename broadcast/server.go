package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"time"

	"glomers/node"
)

// Gossip is the one message nodes exchange. One with a Batch id carries
// messages and must be acknowledged: the receiver lists the id in Acks of
// a later gossip to the sender, riding on its own next batch, or alone
// once it has been owed for Retry/2.
type Gossip struct {
	Type  string            `json:"type"`
	Batch int               `json:"batch,omitempty"`
	Msgs  []json.RawMessage `json:"msgs,omitempty"`
	Acks  []int             `json:"acks,omitempty"`
}

// Outgoing is a gossip to send.
type Outgoing struct {
	Dest string
	Body Gossip
}

// Server is the broadcast algorithm, free of I/O, so tests drive it with a
// fake clock: handlers feed it clients' broadcasts and peers' gossip, and
// Tick, called every Interval, says what to send. It is safe for
// concurrent use.
//
// The gossip loop, per neighbour: every message the neighbour is not known
// to hold is "unsent"; Tick sends all of it in one batch and remembers the
// batch until the neighbour acknowledges it (then the neighbour holds
// those messages) or Retry passes (then they are unsent again). So every
// message reaches every neighbour once the network lets it, whatever a
// partition dropped.
type Server struct {
	mu         sync.Mutex
	cfg        Config
	self       string
	nodes      []string
	neighbours []string
	seen       map[string]bool   // compact JSON text of each message held
	messages   []json.RawMessage // the messages in arrival order
	peers      map[string]*peer
	lastBatch  int
}

// peer is what a node tracks about one neighbour (or anyone who gossiped).
type peer struct {
	has     map[string]bool // messages it is known to hold
	unsent  map[string]bool // messages for its next batch
	batches map[int]batch   // sent to it, not yet acknowledged
	owed    []int           // its batches we have not acknowledged yet
	owedAt  time.Time       // when the oldest of owed arrived
}

type batch struct {
	msgs   []string
	sentAt time.Time
}

// NewServer makes a server; Init names its node.
func NewServer(cfg Config) *Server {
	return &Server{cfg: cfg, seen: map[string]bool{}, peers: map[string]*peer{}}
}

// Init takes the node's id and the ids of all nodes (the init message).
func (s *Server) Init(self string, nodes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.self, s.nodes = self, nodes
	s.neighbours = s.overlay(nil)
}

// overlay returns self's neighbours on the configured graph.
func (s *Server) overlay(topology map[string][]string) []string {
	others := slices.DeleteFunc(slices.Clone(s.nodes), func(n string) bool { return n == s.self })
	switch {
	case s.cfg.Overlay == "star" && len(s.nodes) > 0 && s.self != s.nodes[0]:
		return []string{s.nodes[0]}
	case s.cfg.Overlay == "topology" && topology[s.self] != nil:
		return slices.DeleteFunc(slices.Clone(topology[s.self]), func(n string) bool { return n == s.self })
	}
	return others // the star's hub, total, or topology before it comes
}

// SetTopology takes the topology message; only the topology overlay uses
// it. Messages already held are queued for new neighbours.
func (s *Server) SetTopology(t map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.Overlay != "topology" {
		return
	}
	s.neighbours = s.overlay(t)
	for _, n := range s.neighbours {
		for m := range s.seen {
			s.queue(s.peer(n), m)
		}
	}
}

func (s *Server) peer(id string) *peer {
	p := s.peers[id]
	if p == nil {
		p = &peer{has: map[string]bool{}, unsent: map[string]bool{}, batches: map[int]batch{}}
		s.peers[id] = p
	}
	return p
}

func (s *Server) queue(p *peer, m string) {
	if !p.has[m] {
		p.unsent[m] = true
	}
}

// learn stores message m, which came from src ("" for a client), and
// queues it for the neighbours. On the total overlay the origin sends to
// everyone itself, so messages from peers are not passed on.
func (s *Server) learn(raw json.RawMessage, src string) bool {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return false
	}
	m := b.String()
	if src != "" {
		p := s.peer(src)
		p.has[m] = true
		delete(p.unsent, m)
	}
	if s.seen[m] {
		return false
	}
	s.seen[m] = true
	s.messages = append(s.messages, json.RawMessage(m))
	if src != "" && s.cfg.Overlay == "total" {
		return true
	}
	for _, n := range s.neighbours {
		if n != src {
			s.queue(s.peer(n), m)
		}
	}
	return true
}

// Broadcast takes a client's message. A node sends it at once when waiting
// for the tick would not save messages: on the total overlay (it goes to
// every peer once either way) and on a node with a single neighbour (a
// leaf of the star). Otherwise it waits for the tick, to be batched.
func (s *Server) Broadcast(m json.RawMessage, now time.Time) []Outgoing {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.learn(m, "") || (s.cfg.Overlay != "total" && len(s.neighbours) != 1) {
		return nil
	}
	var out []Outgoing
	for _, n := range s.neighbours {
		if o, ok := s.flush(n, now); ok {
			out = append(out, o)
		}
	}
	return out
}

// Read returns every message the node holds.
func (s *Server) Read() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Gossip takes a peer's gossip.
func (s *Server) Gossip(from string, g Gossip, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peer(from)
	for _, id := range g.Acks {
		for _, m := range p.batches[id].msgs {
			p.has[m] = true
			delete(p.unsent, m)
		}
		delete(p.batches, id)
	}
	for _, m := range g.Msgs {
		s.learn(m, from)
	}
	if g.Batch != 0 {
		if len(p.owed) == 0 {
			p.owedAt = now
		}
		p.owed = append(p.owed, g.Batch)
	}
}

// Tick returns what to send at now. To each peer, in order of id:
//  1. the messages of batches unacknowledged for Retry are unsent again;
//  2. if anything is unsent, one gossip with all of it and the owed acks;
//  3. otherwise the owed acks alone, once the oldest has waited Retry/2.
func (s *Server) Tick(now time.Time) []Outgoing {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Outgoing
	for _, id := range slices.Sorted(maps.Keys(s.peers)) {
		p := s.peers[id]
		for bid, b := range p.batches {
			if now.Sub(b.sentAt) >= s.cfg.Retry {
				for _, m := range b.msgs {
					s.queue(p, m)
				}
				delete(p.batches, bid)
			}
		}
		if o, ok := s.flush(id, now); ok {
			out = append(out, o)
		} else if len(p.owed) > 0 && now.Sub(p.owedAt) >= s.cfg.Retry/2 {
			out = append(out, Outgoing{Dest: id, Body: Gossip{Type: "gossip", Acks: p.takeOwed()}})
		}
	}
	return out
}

// flush makes one batch of everything unsent to id, with the acks owed to
// it; ok is false when nothing is unsent.
func (s *Server) flush(id string, now time.Time) (Outgoing, bool) {
	p := s.peer(id)
	if len(p.unsent) == 0 {
		return Outgoing{}, false
	}
	s.lastBatch++
	b := batch{msgs: slices.Sorted(maps.Keys(p.unsent)), sentAt: now}
	clear(p.unsent)
	p.batches[s.lastBatch] = b
	msgs := make([]json.RawMessage, len(b.msgs))
	for i, m := range b.msgs {
		msgs[i] = json.RawMessage(m)
	}
	return Outgoing{Dest: id, Body: Gossip{Type: "gossip", Batch: s.lastBatch, Msgs: msgs, Acks: p.takeOwed()}}, true
}

func (p *peer) takeOwed() []int {
	a := p.owed
	p.owed = nil
	return a
}

type broadcastReq struct {
	Message json.RawMessage `json:"message"`
}

type topologyReq struct {
	Topology map[string][]string `json:"topology"`
}

type readOK struct {
	Type     string            `json:"type"`
	Messages []json.RawMessage `json:"messages"`
}

// Register installs the node's handlers.
func (s *Server) Register(n *node.Node) {
	n.Handle("init", func(node.Message) error {
		s.Init(n.ID(), n.NodeIDs())
		return nil
	})
	n.Handle("topology", func(msg node.Message) error {
		req, err := node.Decode[topologyReq](msg)
		if err != nil {
			return err
		}
		s.SetTopology(req.Topology)
		return n.Reply(msg, node.MessageBody{Type: "topology_ok"})
	})
	n.Handle("broadcast", func(msg node.Message) error {
		req, err := node.Decode[broadcastReq](msg)
		if err != nil || len(req.Message) == 0 {
			return node.Malformed(msg, err)
		}
		out := s.Broadcast(req.Message, time.Now())
		err = n.Reply(msg, node.MessageBody{Type: "broadcast_ok"})
		for _, o := range out {
			_ = n.Send(o.Dest, o.Body)
		}
		return err
	})
	n.Handle("read", func(msg node.Message) error {
		return n.Reply(msg, readOK{Type: "read_ok", Messages: s.Read()})
	})
	n.Handle("gossip", func(msg node.Message) error {
		if g, err := node.Decode[Gossip](msg); err == nil {
			s.Gossip(msg.Src, g, time.Now())
		}
		return nil // peers expect no replies
	})
}

// Run sends on n what Tick returns every interval until ctx (the node's
// life, node.Context) ends.
func (s *Server) Run(ctx context.Context, n *node.Node) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, o := range s.Tick(now) {
				_ = n.Send(o.Dest, o.Body)
			}
		}
	}
}
