package main

import (
	"bytes"
	"encoding/json"
	"sort"
	"sync"
	"time"
)

// GossipBody is the one message type nodes exchange. A gossip with Batch
// != 0 carries messages and must be acknowledged: the receiver lists the
// batch id in Acks of a later gossip to the sender (piggybacked on its own
// batch, or alone after AckDelay). Acknowledged batches are forgotten;
// unacknowledged ones are sent again (merged into a new batch) after Retry
// (a late ack of the old batch still counts), so every message reaches every neighbour once the network lets it,
// whatever was lost in partitions.
type GossipBody struct {
	Type  string            `json:"type"`
	Batch int               `json:"batch,omitempty"`
	Msgs  []json.RawMessage `json:"msgs,omitempty"`
	Acks  []int             `json:"acks,omitempty"`
}

// Outgoing is a message Tick wants sent.
type Outgoing struct {
	Dest string
	Body GossipBody
}

// Server is the broadcast algorithm, free of I/O: handlers feed it client
// broadcasts and peers' gossip, and Tick, called every Interval, says what
// to send. It is safe for concurrent use.
type Server struct {
	mu         sync.Mutex
	cfg        Config
	self       string
	nodes      []string
	topology   map[string][]string
	neighbours []string
	values     map[string]struct{} // compact JSON text of each message
	list       []json.RawMessage   // the messages in arrival order
	peers      map[string]*peer
	nextBatch  int
}

// peer is what a node tracks about one neighbour (or anyone who sent it
// gossip).
type peer struct {
	has      map[string]bool   // messages the peer is known to hold
	unsent   map[string]bool   // messages to send it in the next batch
	inflight map[int]*inflight // batches awaiting its ack
	owed     []int             // its batch ids we have yet to ack
	owedAt   time.Time         // when the oldest of owed arrived
}

type inflight struct {
	keys   []string
	sentAt time.Time
	// expired is set once the keys were queued again after Retry; the
	// batch is kept a while longer so that a late ack still counts.
	expired bool
}

// expiredKeep is how many Retry periods an expired batch is remembered.
const expiredKeep = 4

// NewServer makes a server for node self among nodes.
func NewServer(cfg Config, self string, nodes []string) *Server {
	s := &Server{
		cfg:    cfg,
		self:   self,
		nodes:  append([]string(nil), nodes...),
		values: map[string]struct{}{},
		peers:  map[string]*peer{},
	}
	s.neighbours = Overlay(cfg.Overlay, cfg.Fanout, self, s.nodes, nil)
	return s
}

// SetTopology records the topology message. It changes the overlay only
// when the overlay is "topology"; messages already known are queued for new
// neighbours.
func (s *Server) SetTopology(t map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.topology = t
	if s.cfg.Overlay != "topology" {
		return
	}
	s.neighbours = Overlay(s.cfg.Overlay, s.cfg.Fanout, s.self, s.nodes, t)
	for _, n := range s.neighbours {
		p := s.peer(n)
		for k := range s.values {
			if !p.has[k] {
				p.unsent[k] = true
			}
		}
	}
}

// Neighbours returns the overlay neighbours.
func (s *Server) Neighbours() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.neighbours...)
}

func (s *Server) peer(id string) *peer {
	p := s.peers[id]
	if p == nil {
		p = &peer{has: map[string]bool{}, unsent: map[string]bool{}, inflight: map[int]*inflight{}}
		s.peers[id] = p
	}
	return p
}

// key is a message's identity: its compact JSON text.
func key(m json.RawMessage) (string, json.RawMessage) {
	var b bytes.Buffer
	if err := json.Compact(&b, m); err != nil {
		return string(m), m
	}
	return b.String(), json.RawMessage(b.Bytes())
}

// learn stores m, learned from src ("" for a client), and queues it for
// every neighbour not known to hold it. It returns whether m was new.
func (s *Server) learn(m json.RawMessage, src string) bool {
	k, m := key(m)
	if src != "" {
		p := s.peer(src)
		p.has[k] = true
		delete(p.unsent, k)
	}
	if _, ok := s.values[k]; ok {
		return false
	}
	s.values[k] = struct{}{}
	s.list = append(s.list, m)
	if src != "" && !s.relays() {
		return true
	}
	for _, n := range s.neighbours {
		if n == src {
			continue
		}
		p := s.peer(n)
		if !p.has[k] {
			p.unsent[k] = true
		}
	}
	return true
}

// relays tells whether messages learned from a peer are passed on. On the
// total overlay the origin sends to everyone itself, so nobody relays.
func (s *Server) relays() bool { return s.cfg.Overlay != "total" }

// eager tells whether a client's message goes out at once instead of at the
// next tick (see Config.Eager).
func (s *Server) eager() bool {
	switch s.cfg.Eager {
	case "all":
		return true
	case "leaf":
		return len(s.neighbours) == 1
	}
	return false
}

// Broadcast takes a client's message at time now. It returns the gossip to
// send at once, if the node is eager; otherwise the message waits for the
// next tick.
func (s *Server) Broadcast(m json.RawMessage, now time.Time) []Outgoing {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.learn(m, "") || !s.eager() {
		return nil
	}
	var out []Outgoing
	for _, n := range s.neighbours {
		if o, ok := s.flush(n, s.peer(n), now); ok {
			out = append(out, o)
		}
	}
	return out
}

// Read returns every message the node holds.
func (s *Server) Read() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(make([]json.RawMessage, 0, len(s.list)), s.list...)
}

// Gossip takes a neighbour's gossip at time now.
func (s *Server) Gossip(from string, g GossipBody, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peer(from)
	for _, id := range g.Acks {
		if b := p.inflight[id]; b != nil {
			for _, k := range b.keys {
				p.has[k] = true
				delete(p.unsent, k)
			}
			delete(p.inflight, id)
		}
	}
	// Every gossip carries all the acks its sender owed us, so a batch of
	// ours older than Suspect that this one does not ack was lost (it
	// would have arrived before this gossip left): queue it again now
	// rather than after Retry. This matters after a partition heals.
	if s.cfg.Suspect > 0 {
		for _, b := range p.inflight {
			if !b.expired && now.Sub(b.sentAt) >= s.cfg.Suspect {
				for _, k := range b.keys {
					if !p.has[k] {
						p.unsent[k] = true
					}
				}
				b.expired = true
			}
		}
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

// Tick returns what to send at time now: to each peer, one gossip with
// every message it lacks that is not awaiting its ack (messages whose
// batch went unacknowledged for Retry are due again), carrying the acks we
// owe it; or, with nothing to send, the acks alone once the oldest has
// waited AckDelay.
func (s *Server) Tick(now time.Time) []Outgoing {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.peers))
	for id := range s.peers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []Outgoing
	for _, id := range ids {
		p := s.peers[id]
		for bid, b := range p.inflight {
			age := now.Sub(b.sentAt)
			switch {
			case b.expired && age >= expiredKeep*s.cfg.Retry:
				delete(p.inflight, bid)
			case !b.expired && age >= s.cfg.Retry:
				for _, k := range b.keys {
					if !p.has[k] {
						p.unsent[k] = true
					}
				}
				b.expired = true
			}
		}
		if o, ok := s.flush(id, p, now); ok {
			out = append(out, o)
			continue
		}
		if len(p.owed) > 0 && now.Sub(p.owedAt) >= s.cfg.AckDelay {
			out = append(out, Outgoing{Dest: id, Body: GossipBody{Type: "gossip", Acks: p.takeOwed()}})
		}
	}
	return out
}

// flush makes a batch of everything unsent to p, carrying the acks owed to
// it; ok is false when nothing is unsent.
func (s *Server) flush(id string, p *peer, now time.Time) (Outgoing, bool) {
	if len(p.unsent) == 0 {
		return Outgoing{}, false
	}
	s.nextBatch++
	b := &inflight{sentAt: now, keys: make([]string, 0, len(p.unsent))}
	msgs := make([]json.RawMessage, 0, len(p.unsent))
	for k := range p.unsent {
		b.keys = append(b.keys, k)
		msgs = append(msgs, json.RawMessage(k))
	}
	clear(p.unsent)
	p.inflight[s.nextBatch] = b
	return Outgoing{Dest: id, Body: GossipBody{Type: "gossip", Batch: s.nextBatch, Msgs: msgs, Acks: p.takeOwed()}}, true
}

func (p *peer) takeOwed() []int {
	if len(p.owed) == 0 {
		return nil
	}
	a := p.owed
	p.owed = nil
	return a
}

// Pending tells whether anything is still to be sent or acknowledged (for
// tests).
func (s *Server) Pending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.peers {
		if len(p.unsent) > 0 || len(p.owed) > 0 {
			return true
		}
		for _, b := range p.inflight {
			if !b.expired {
				return true
			}
		}
	}
	return false
}

// RunTicker calls Tick every interval and hands what it returns to send,
// until done is closed.
func RunTicker(s *Server, interval time.Duration, done <-chan struct{}, send func(Outgoing)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			for _, o := range s.Tick(now) {
				send(o)
			}
		}
	}
}
