package main

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// sim is a discrete-event cluster of Servers on a virtual clock: messages
// take latency to arrive, every node ticks every Interval (at its own
// offset), and drop decides, per message, whether the network loses it
// (partitions, loss).
type sim struct {
	cfg     Config
	nodes   []string
	servers map[string]*Server
	now     time.Duration
	latency time.Duration
	events  eventQueue
	seq     int
	drop    func(at time.Duration, from, to string) bool
	sent    int // gossip messages put on the network
	rng     *rand.Rand
}

type event struct {
	at  time.Duration
	seq int
	fn  func()
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newSim(cfg Config, n int, latency time.Duration, seed uint64) *sim {
	s := &sim{cfg: cfg, servers: map[string]*Server{}, latency: latency, rng: rand.New(rand.NewPCG(seed, seed))}
	for i := 0; i < n; i++ {
		s.nodes = append(s.nodes, fmt.Sprintf("n%d", i))
	}
	for _, id := range s.nodes {
		s.servers[id] = NewServer(cfg, id, s.nodes)
	}
	for _, id := range s.nodes {
		s.scheduleTick(id, time.Duration(s.rng.Int64N(int64(cfg.Interval))))
	}
	return s
}

func (s *sim) at(t time.Duration, fn func()) {
	s.seq++
	heap.Push(&s.events, event{at: t, seq: s.seq, fn: fn})
}

func (s *sim) scheduleTick(id string, t time.Duration) {
	s.at(t, func() {
		for _, o := range s.servers[id].Tick(epoch.Add(s.now)) {
			s.send(id, o)
		}
		s.scheduleTick(id, t+s.cfg.Interval)
	})
}

func (s *sim) send(from string, o Outgoing) {
	s.sent++
	if s.drop != nil && s.drop(s.now, from, o.Dest) {
		return
	}
	// Round-trip the body through JSON, as the wire does.
	b, _ := json.Marshal(o.Body)
	s.at(s.now+s.latency, func() {
		var g GossipBody
		if err := json.Unmarshal(b, &g); err != nil {
			panic(err)
		}
		s.servers[o.Dest].Gossip(from, g, epoch.Add(s.now))
	})
}

// broadcast hands message v to node id at time t.
func (s *sim) broadcast(t time.Duration, id string, v int) {
	s.at(t, func() {
		for _, o := range s.servers[id].Broadcast(json.RawMessage(fmt.Sprint(v)), epoch.Add(s.now)) {
			s.send(id, o)
		}
	})
}

// runUntil processes events up to time t.
func (s *sim) runUntil(t time.Duration) {
	for s.events.Len() > 0 && s.events[0].at <= t {
		e := heap.Pop(&s.events).(event)
		s.now = e.at
		e.fn()
	}
	s.now = t
}

// converged reports whether every node holds exactly the messages 0..n-1.
func (s *sim) converged(n int) bool {
	for _, id := range s.nodes {
		if len(s.servers[id].Read()) != n {
			return false
		}
	}
	return true
}

// quiet reports whether no node has anything left to send or acknowledge.
func (s *sim) quiet() bool {
	for _, id := range s.nodes {
		if s.servers[id].Pending() {
			return false
		}
	}
	return true
}

// holders counts the nodes holding message v.
func (s *sim) holders(v int) int {
	c := 0
	for _, id := range s.nodes {
		for _, m := range s.servers[id].Read() {
			if string(m) == fmt.Sprint(v) {
				c++
				break
			}
		}
	}
	return c
}
