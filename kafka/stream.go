package main

import (
	"sync"
	"time"
)

// stream is how a node replicates: an append-only list of the records it
// must share, and per peer the position up to which the peer has
// acknowledged them. Every interval each peer is pushed what it has not
// acknowledged (at most maxPerPush records), with at most one push in
// flight per peer.
//
// What a lost push does: nothing is lost. Without an acknowledgement the
// peer's position stays where it was, and after retry the same records
// are pushed again. The peer meanwhile serves what it has: its logs lag
// but, thanks to the frontier, never skip. A lost acknowledgement makes
// the peer apply records twice, which records allow.
//
// stream touches no network: tick returns the pushes to send, so tests
// drive it with a fake clock.
type stream struct {
	retry      time.Duration
	maxPerPush int

	mu      sync.Mutex
	records []record
	peers   map[string]*cursor
}

type cursor struct {
	acked    int       // records[:acked] are acknowledged
	sentUpto int       // end of the push in flight
	sentAt   time.Time // when it was sent; zero when none is in flight
}

// push carries records[upto-len(Records):upto]; the peer acknowledges
// with upto.
type push struct {
	Type    string   `json:"type"`
	Upto    int      `json:"upto"`
	Records []record `json:"records"`
}

type pushAck struct {
	Type string `json:"type"`
	Upto int    `json:"upto"`
}

func newStream(peers []string, retry time.Duration, maxPerPush int) *stream {
	s := &stream{retry: retry, maxPerPush: maxPerPush, peers: map[string]*cursor{}}
	for _, p := range peers {
		s.peers[p] = &cursor{}
	}
	return s
}

// add queues records for every peer.
func (s *stream) add(rs ...record) {
	s.mu.Lock()
	s.records = append(s.records, rs...)
	s.mu.Unlock()
}

// tick returns, per peer, the push due at now.
func (s *stream) tick(now time.Time) map[string]push {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]push{}
	for id, c := range s.peers {
		inFlight := !c.sentAt.IsZero() && now.Sub(c.sentAt) < s.retry
		if inFlight || c.acked >= len(s.records) {
			continue
		}
		c.sentUpto = min(len(s.records), c.acked+s.maxPerPush)
		c.sentAt = now
		out[id] = push{Type: "replicate", Upto: c.sentUpto, Records: s.records[c.acked:c.sentUpto]}
	}
	return out
}

// acked records that peer has applied the records up to upto. A late
// acknowledgement of an older push still moves the position on, but
// leaves a newer push in flight.
func (s *stream) acked(peer string, upto int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.peers[peer]
	if c == nil || upto > len(s.records) {
		return
	}
	c.acked = max(c.acked, upto)
	if c.acked >= c.sentUpto {
		c.sentAt = time.Time{}
	}
}

// setPeers names the peers (at init, once the node ids are known).
func (s *stream) setPeers(peers []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range peers {
		if s.peers[p] == nil {
			s.peers[p] = &cursor{}
		}
	}
}
