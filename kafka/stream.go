package main

import (
	"sync"
	"time"
)

// stream is how a node replicates: an append-only list of the records it
// must share, and per peer how far the peer has acknowledged them and how
// far the peer's own records have reached us. Every interval each peer
// gets at most one message (a push) carrying the records it has not been
// sent yet and our acknowledgement of its records, so acknowledgements
// cost no messages of their own when both sides have news.
//
// What a lost push does: nothing is lost. The peer applies every record
// it gets (records allow any order), but acknowledges only the prefix it
// holds without a gap, so after a lost push its acknowledgement stops
// advancing; once that has lasted retry, the records from the
// acknowledged position are sent again. The peer meanwhile serves what it
// has: its logs lag but, thanks to the frontier, never skip. A lost
// acknowledgement is made good by the next one, which covers it, or, when
// there is none, sent again when the peer resends what it covered.
//
// stream touches no network: tick returns the pushes to send and receive
// takes a peer's push, so tests drive it with a fake clock.
type stream struct {
	retry      time.Duration
	maxPerPush int

	mu sync.Mutex
	// wire holds the records in wire form (see wire.go), each followed by
	// a comma, and ends[i] is where record i's comma ends. They are
	// encoded once, when added: the pushes of every peer share the bytes,
	// records[from:upto] being one slice of wire. wire only grows, so the
	// bytes a push holds never change after tick has let go of the lock.
	wire  []byte
	ends  []int
	peers map[string]*cursor

	// wake holds a token once records were added or a push received, for
	// a replication loop that sleeps while the stream is idle.
	wake chan struct{}
}

type cursor struct {
	acked   int       // records[:acked] the peer has applied
	sent    int       // records[:sent] have been sent to it
	waiting time.Time // since when acked < sent without progress
	// received: the peer's records up to here have reached us without a
	// gap; ackSent is the last acknowledgement we sent it.
	received, ackSent int
}

// push carries records[From:Upto] of the sender's stream, and Ack, how
// far the sender holds the receiver's own stream without a gap. Records
// holds them in wire form, separated by commas (see wire.go for the body).
type push struct {
	From, Upto int
	Records    []byte
	Ack        int
}

func newStream(retry time.Duration, maxPerPush int) *stream {
	return &stream{retry: retry, maxPerPush: maxPerPush, peers: map[string]*cursor{}, wake: make(chan struct{}, 1)}
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

// add queues records for every peer.
func (s *stream) add(rs ...record) {
	s.mu.Lock()
	for _, r := range rs {
		s.wire = append(appendRecord(s.wire, r), ',')
		s.ends = append(s.ends, len(s.wire))
	}
	s.mu.Unlock()
	s.notify()
}

// notify leaves a token on wake, unless one is there already.
func (s *stream) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// idle tells whether no tick can have anything to do until records are
// added or a push is received: every peer has been sent every record and
// has acknowledged them (so no resend can fall due), and has been sent our
// acknowledgement of its own. A replication loop may then wait on wake
// instead of ticking: add and receive leave a token there after they
// change the stream, so a change made after idle looked is never missed.
func (s *stream) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.peers {
		if c.sent < len(s.ends) || c.acked < c.sent || c.received != c.ackSent {
			return false
		}
	}
	return true
}

// records returns records[from:upto] in wire form, without the last comma.
func (s *stream) records(from, upto int) []byte {
	if from == upto {
		return nil
	}
	start := 0
	if from > 0 {
		start = s.ends[from-1]
	}
	return s.wire[start : s.ends[upto-1]-1]
}

// tick returns, per peer, the push due at now: the records not sent yet
// (from the acknowledged position again if the acknowledgement has not
// moved for retry), and our acknowledgement if it moved since the last.
func (s *stream) tick(now time.Time) map[string]push {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]push{}
	for id, c := range s.peers {
		if c.acked < c.sent && now.Sub(c.waiting) >= s.retry {
			c.sent, c.waiting = c.acked, now
		}
		from, upto := c.sent, min(len(s.ends), c.sent+s.maxPerPush)
		if upto == from && c.received == c.ackSent {
			continue
		}
		if c.acked == c.sent && upto > from {
			c.waiting = now
		}
		c.sent, c.ackSent = upto, c.received
		out[id] = push{From: from, Upto: upto, Records: s.records(from, upto), Ack: c.received}
	}
	return out
}

// receive takes peer's push: its acknowledgement of our records, and the
// position its records have reached. The caller applies the records.
func (s *stream) receive(peer string, p push, now time.Time) {
	defer s.notify()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.peers[peer]
	if c == nil {
		return
	}
	if p.Ack > c.acked && p.Ack <= len(s.ends) {
		c.acked, c.sent, c.waiting = p.Ack, max(c.sent, p.Ack), now
	}
	if p.From <= c.received {
		if p.Upto > p.From && p.Upto <= c.received {
			// Records we hold already: a resend, so the peer missed our
			// acknowledgement. Send it again, or the peer resends forever.
			c.ackSent = -1
		}
		c.received = max(c.received, p.Upto)
	}
}
