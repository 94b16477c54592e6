// Package casmode is the kafka node's CAS mode: offsets are allocated
// through lin-kv compare-and-set, one counter per key, so every offset is
// unique and offsets are assigned in lin-kv's linearization order; a node
// that wins an offset publishes the message there and replicates it to
// every other node, along with its committed offsets, so any node serves
// any poll.
//
// Why polls never skip: counters move by one, so offsets are dense and
// every offset below a counter's value has exactly one owner (see
// value.go). A node serves a key's log only up to its first unknown offset
// (store.Log's frontier). An offset is unknown only while its owner has
// not published it, and every owner eventually does: a send whose
// compare-and-set had no reply becomes a Claim that is retried and judged
// by evidence (a read, or the entries around it) until it is known to be
// ours (then published, even though the client was told "timeout") or
// lost (then nothing was written). Offsets are never reserved in blocks,
// so there is nothing to consume out of order.
//
// Replication runs through a hub (the first node): every other node
// pushes its own entries and commits to the hub, which relays everything
// it learns to the others. That is 4(N-1) messages per interval instead
// of 2N(N-1) for all-to-all pushes, at the price of a second hop; a node
// cut off from the hub serves stale logs until the partition heals (sends
// still work: they only need lin-kv).
package casmode

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"glomers/kafka/internal/store"
	"glomers/node"
)

// Config holds the CAS mode's tunables.
type Config struct {
	// Interval is the replication period: at most one push per peer per
	// interval.
	Interval time.Duration
	// Retry is how long a push may go unacknowledged before it is sent
	// again.
	Retry time.Duration
	// ResolveEvery is the pause between attempts to settle a claim.
	ResolveEvery time.Duration
	// MaxPerPush bounds the entries of one push.
	MaxPerPush int
	// CASTimeout bounds one compare-and-set, so that a lost reply leaves
	// a send time to settle its claim before the client's deadline.
	CASTimeout time.Duration
}

// DefaultConfig suits Maelstrom's defaults.
func DefaultConfig() Config {
	return Config{Interval: 20 * time.Millisecond, Retry: 250 * time.Millisecond, ResolveEvery: 50 * time.Millisecond, MaxPerPush: 4096, CASTimeout: 500 * time.Millisecond}
}

// KVPrefix prefixes a kafka key to name its counter in lin-kv.
const KVPrefix = "kafka-offset/"

// Entry is a published message: offset Off of Key, allocated by the value
// that Owner's SendID made from From.
type Entry struct {
	Key    string          `json:"k"`
	Off    int             `json:"o"`
	Msg    json.RawMessage `json:"m"`
	Owner  string          `json:"w"`
	SendID int64           `json:"i"`
	From   string          `json:"f,omitempty"`
}

type peer struct {
	acked        int // prefix of out the peer has applied
	seq          int64
	waiting      bool
	sentAt       time.Time
	commitsAcked int64 // own commit version the peer applied
}

type claimState struct {
	Claim
	msg    json.RawMessage
	sendID int64
	done   chan Outcome // capacity 1: the final outcome
}

// Server is one node in CAS mode.
type Server struct {
	n         *node.Node
	cfg       Config
	id        string
	kv        *node.KV
	store     *store.Store
	committed *store.Offsets // merged: what list_committed_offsets reads
	own       *store.Offsets // commits made here, shipped to every peer

	mu     sync.Mutex
	alloc  map[string]map[int]string // key -> offset -> the counter value that allocated it
	cache  map[string]string         // key -> newest counter value known
	locks  map[string]chan struct{}  // key -> this node's allocation lock
	out    []Entry                   // entries to replicate: own, and on the hub relayed ones
	peers  map[string]*peer          // the hub's peers are all the others; the others' is the hub
	hub    bool
	sendID int64
}

// New builds the server for node n after init.
func New(n *node.Node, cfg Config, st *store.Store) *Server {
	s := &Server{
		n: n, cfg: cfg, id: n.ID(), kv: node.NewLinKV(n), store: st,
		committed: store.NewOffsets(), own: store.NewOffsets(),
		alloc: map[string]map[int]string{}, cache: map[string]string{},
		locks: map[string]chan struct{}{}, peers: map[string]*peer{},
	}
	ids := n.NodeIDs()
	s.hub = len(ids) == 0 || ids[0] == s.id
	for _, id := range ids {
		if id != s.id && (s.hub || id == ids[0]) {
			s.peers[id] = &peer{}
		}
	}
	return s
}

// Store implements api.Backend.
func (s *Server) Store() *store.Store { return s.store }

// Committed implements api.Backend.
func (s *Server) Committed() *store.Offsets { return s.committed }

// Commit implements api.Backend.
func (s *Server) Commit(offsets map[string]int64) {
	s.committed.MergeAll(offsets)
	s.own.MergeAll(offsets)
}

func (s *Server) lockKey(ctx context.Context, key string) (func(), bool) {
	s.mu.Lock()
	ch := s.locks[key]
	if ch == nil {
		ch = make(chan struct{}, 1)
		s.locks[key] = ch
	}
	s.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true
	case <-ctx.Done():
		return nil, false
	}
}

// learn records that value allocated offset off of key (s.mu held).
func (s *Server) learn(key string, off int, value string) {
	if off < 0 || value == "" {
		return
	}
	m := s.alloc[key]
	if m == nil {
		m = map[int]string{}
		s.alloc[key] = m
	}
	if _, ok := m[off]; !ok {
		m[off] = value
	}
	if off+1 > NextOf(s.cache[key]) {
		s.cache[key] = value
	}
}

func (s *Server) cached(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cache[key]
}

// publish stores an entry this node owns and queues it for every peer.
func (s *Server) publish(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.Put(e.Key, e.Off, e.Msg)
	s.learn(e.Key, e.Off, Value{Next: e.Off + 1, Owner: e.Owner, SendID: e.SendID}.Format())
	s.learn(e.Key, e.Off-1, e.From)
	s.out = append(s.out, e)
}

// Send implements api.Backend.
func (s *Server) Send(ctx context.Context, key string, msg json.RawMessage) (int64, error) {
	release, ok := s.lockKey(ctx, key)
	if !ok {
		return 0, node.NewRPCErrorf(node.CodeTemporarilyUnavailable, "key %q busy; nothing sent", key)
	}
	defer release()
	s.mu.Lock()
	s.sendID++
	id := s.sendID
	s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return 0, node.NewRPCErrorf(node.CodeTemporarilyUnavailable, "no offset allocated for key %q in time; nothing sent", key)
		}
		from := s.cached(key)
		c := NextOf(from)
		to := Value{Next: c + 1, Owner: s.id, SendID: id}.Format()
		err := s.cas(ctx, key, from, to)
		switch {
		case err == nil:
			s.publish(Entry{Key: key, Off: c, Msg: msg, Owner: s.id, SendID: id, From: from})
			return int64(c), nil
		case node.HasCode(err, node.CodePreconditionFailed), node.HasCode(err, node.CodeKeyDoesNotExist):
			s.refresh(ctx, key)
			if attempt > 0 {
				pause(ctx, time.Duration(rand.Int64N(int64(time.Millisecond)<<min(attempt, 4))))
			}
		case node.IsDefiniteError(err):
			return 0, node.NewRPCErrorf(node.CodeTemporarilyUnavailable, "lin-kv refused the offset: %v", err)
		default:
			cl := &claimState{Claim: Claim{Key: key, Offset: c, From: from, To: to}, msg: msg, sendID: id, done: make(chan Outcome, 1)}
			go s.resolve(cl)
			select {
			case o := <-cl.done:
				if o == Ours {
					return int64(c), nil
				}
				// Lost: nothing was written; try again.
			case <-ctx.Done():
				return 0, node.NewRPCErrorf(node.CodeTimeout, "offset allocation for key %q still uncertain", key)
			}
		}
	}
}

func (s *Server) cas(ctx context.Context, key, from, to string) error {
	var f any
	if from != "" {
		f = from
	}
	if s.cfg.CASTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.CASTimeout)
		defer cancel()
	}
	return s.kv.CompareAndSwap(ctx, KVPrefix+key, f, to, from == "")
}

// refresh reads key's counter into the cache.
func (s *Server) refresh(ctx context.Context, key string) (string, error) {
	if s.cfg.CASTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.CASTimeout)
		defer cancel()
	}
	var v string
	err := s.kv.ReadInto(ctx, KVPrefix+key, &v)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.learn(key, NextOf(v)-1, v)
	s.mu.Unlock()
	return v, nil
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// judgeKnown judges a claim by the allocations learnt so far.
func (s *Server) judgeKnown(cl *claimState) Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cl.JudgeValueOf(s.alloc[cl.Key][cl.Offset])
}

// resolve settles an uncertain compare-and-set: it retries the very same
// compare-and-set (which can succeed at most once, since counter values
// never repeat) and reads the counter, until the evidence says whether
// offset cl.Offset is ours; if it is, the message is published there.
// It runs until then, or until the node stops.
func (s *Server) resolve(cl *claimState) {
	for {
		o := s.judgeKnown(cl)
		if o == Unknown {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := s.cas(ctx, cl.Key, cl.From, cl.To)
			switch {
			case err == nil:
				o = Ours
			case node.IsDefiniteError(err):
				if v, rerr := s.refresh(ctx, cl.Key); rerr == nil {
					o = cl.JudgeRead(v)
				}
			}
			cancel()
		}
		if o == Unknown {
			// The entry after ours (or ours, from whoever did take the
			// offset) may still arrive by replication.
			o = s.judgeKnown(cl)
		}
		if o != Unknown {
			if o == Ours {
				s.publish(Entry{Key: cl.Key, Off: cl.Offset, Msg: cl.msg, Owner: s.id, SendID: cl.sendID, From: cl.From})
			}
			cl.done <- o
			return
		}
		select {
		case <-s.n.Done():
			return
		case <-time.After(s.cfg.ResolveEvery):
		}
	}
}

// Register installs the node-to-node handlers.
func (s *Server) Register() {
	s.n.Handle("crepl", func(msg node.Message) error {
		var p pushMsg
		if err := json.Unmarshal(msg.Body, &p); err != nil {
			return nil
		}
		s.mu.Lock()
		for _, e := range p.Entries {
			if e.Owner == "" {
				e.Owner = msg.Src
			}
			fresh := s.store.Put(e.Key, e.Off, e.Msg)
			s.learn(e.Key, e.Off, Value{Next: e.Off + 1, Owner: e.Owner, SendID: e.SendID}.Format())
			s.learn(e.Key, e.Off-1, e.From)
			if fresh && s.hub {
				s.out = append(s.out, e) // relay
			}
		}
		s.mu.Unlock()
		s.committed.MergeAll(p.Commits)
		if s.hub {
			s.own.MergeAll(p.Commits) // relay
		}
		_ = s.n.Send(msg.Src, ackMsg{Type: "crepl_ack", Seq: p.Seq, Upto: p.Base + len(p.Entries), CV: p.CV})
		return nil
	})
	s.n.Handle("crepl_ack", func(msg node.Message) error {
		var a ackMsg
		if err := json.Unmarshal(msg.Body, &a); err != nil {
			return nil
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.peers[msg.Src]
		if p == nil {
			return nil
		}
		p.acked = max(p.acked, min(a.Upto, len(s.out)))
		p.commitsAcked = max(p.commitsAcked, a.CV)
		if a.Seq == p.seq {
			p.waiting = false
		}
		return nil
	})
}

// pushMsg carries out[Base:Base+len(Entries)] and the sender's commits
// (on the hub: everyone's) changed since the peer's confirmed version; CV
// is the sender's version.
type pushMsg struct {
	Seq     int64            `json:"seq"`
	Base    int              `json:"base"`
	Entries []Entry          `json:"entries"`
	Commits map[string]int64 `json:"commits,omitempty"`
	CV      int64            `json:"cv"`
}

type ackMsg struct {
	Type string `json:"type"`
	Seq  int64  `json:"seq"`
	Upto int    `json:"upto"`
	CV   int64  `json:"cv"`
}

// Run replicates every interval until the node's input ends.
func (s *Server) Run() {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-s.n.Done():
			return
		case <-t.C:
			s.Tick(time.Now())
		}
	}
}

type outgoing struct {
	dest string
	body []byte
}

// Tick sends each peer what it has not acknowledged, unless a push to it
// is in flight and younger than the retry interval.
func (s *Server) Tick(now time.Time) {
	var out []outgoing
	s.mu.Lock()
	for id, p := range s.peers {
		if p.waiting && now.Sub(p.sentAt) < s.cfg.Retry {
			continue
		}
		p.waiting = false
		commits, cv := s.own.Since(p.commitsAcked)
		if p.acked >= len(s.out) && commits == nil {
			continue
		}
		end := min(len(s.out), p.acked+s.cfg.MaxPerPush)
		p.seq++
		p.waiting, p.sentAt = true, now
		out = append(out, outgoing{id, encodePush(p.seq, p.acked, s.out[p.acked:end], commits, cv)})
	}
	s.mu.Unlock()
	for _, o := range out {
		_ = s.n.Send(o.dest, json.RawMessage(o.body))
	}
}

func encodePush(seq int64, base int, entries []Entry, commits map[string]int64, cv int64) []byte {
	buf := make([]byte, 0, 128+64*len(entries))
	buf = append(buf, `{"type":"crepl","seq":`...)
	buf = strconv.AppendInt(buf, seq, 10)
	buf = append(buf, `,"base":`...)
	buf = strconv.AppendInt(buf, int64(base), 10)
	buf = append(buf, `,"entries":[`...)
	for i, e := range entries {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"k":`...)
		buf = store.AppendString(buf, e.Key)
		buf = append(buf, `,"o":`...)
		buf = strconv.AppendInt(buf, int64(e.Off), 10)
		buf = append(buf, `,"m":`...)
		buf = append(buf, e.Msg...)
		buf = append(buf, `,"w":`...)
		buf = store.AppendString(buf, e.Owner)
		buf = append(buf, `,"i":`...)
		buf = strconv.AppendInt(buf, e.SendID, 10)
		if e.From != "" {
			buf = append(buf, `,"f":`...)
			buf = store.AppendString(buf, e.From)
		}
		buf = append(buf, '}')
	}
	buf = append(buf, ']')
	if len(commits) > 0 {
		b, _ := json.Marshal(commits)
		buf = append(buf, `,"commits":`...)
		buf = append(buf, b...)
	}
	buf = append(buf, `,"cv":`...)
	buf = strconv.AppendInt(buf, cv, 10)
	return append(buf, '}')
}
