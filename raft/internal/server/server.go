// Package server is the edge around the Raft state machine (package
// raft): it owns the clock, the disk and the network. One goroutine, the
// loop, owns the state machine; handlers only pass it messages and wait
// for answers. Each turn of the loop follows the order Raft needs: persist
// the hard state and new entries (fsync), then send messages, then apply
// committed entries and answer the clients waiting on them.
//
// Client requests (Maelstrom's lin-kv: read, write, cas) are handled at
// the leader: writes and cas go through the log and are answered when
// applied; reads take a read index and are answered from the local map
// once it has applied that far. A node that does not lead forwards the
// request to the leader it knows and relays the answer, as the Raft
// chapter of Maelstrom's tutorial suggests; without a known leader, or for
// a request already forwarded once, it answers error 11
// (temporarily-unavailable, definite: the operation did not happen).
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"glomers/node"
	"glomers/raft/internal/raft"
)

// DataDirEnv names the environment variable through which the harness
// gives every node process a directory that survives its restarts.
const DataDirEnv = "GLOMERS_DATA_DIR"

// Options configure a server. Zero values take the defaults.
type Options struct {
	// DataDir holds the Raft state; "" keeps it in memory only.
	DataDir string
	// Tick is one Raft clock tick (10 ms). Elections time out after
	// ElectionTicks to twice that (30: 300-600 ms); a leader sends
	// heartbeats every HeartbeatTicks (10: 100 ms).
	Tick           time.Duration
	ElectionTicks  int
	HeartbeatTicks int
	// RequestTimeout bounds how long a client request waits (1 s, the
	// lin-kv client's own timeout: after it no one listens).
	RequestTimeout time.Duration
	// NoCheckQuorum keeps a leader that hears from no majority leading
	// (Raft allows it; it only costs availability). The broken variants
	// use it so that a cut-off leader shows its bug for the whole partition.
	NoCheckQuorum bool
	Unsafe        Unsafe
}

// Unsafe holds deliberate bugs, for the broken variants under testdata
// that show each fault of the harness catching the bug it should.
type Unsafe struct {
	ForgetVote        bool // persist the log only, not the term and vote
	AckBeforeMajority bool // a leader commits what it alone has
	LocalReads        bool // a leader answers reads from its own map, without a read index
}

func (o *Options) defaults() {
	if o.Tick <= 0 {
		o.Tick = 10 * time.Millisecond
	}
	if o.ElectionTicks <= 0 {
		o.ElectionTicks = 30
	}
	if o.HeartbeatTicks <= 0 {
		o.HeartbeatTicks = 10
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = time.Second
	}
}

// firstLeaderSeed is the second seed of every node's election timeouts;
// see start.
const firstLeaderSeed = 395

// Server is one lin-kv node backed by Raft.
type Server struct {
	n      *node.Node
	opts   Options
	events chan event

	// Owned by the loop goroutine.
	raft      *raft.Raft
	store     Storage
	kv        *KV
	applied   uint64
	proposals map[uint64]proposal // by log index
	reads     map[uint64]*request // by read id, waiting for a read index
	servable  []servableRead      // read index known, waiting for apply
	nextRead  uint64
}

type event struct {
	peer *raft.Message
	req  *request
}

// request is one client operation on its way through the loop.
type request struct {
	cmd       Command
	forwarded bool
	done      chan result // capacity 1: the loop never blocks on it
}

type result struct {
	body    any
	err     error
	forward string // this node does not lead: ask that one
}

type proposal struct {
	term uint64
	req  *request
}

type servableRead struct {
	index uint64
	req   *request
}

// New returns a server for n; Register installs its handlers.
func New(n *node.Node, opts Options) *Server {
	opts.defaults()
	return &Server{n: n, opts: opts, events: make(chan event, 1024)}
}

// Register installs the handlers: init starts the server, the Raft
// messages go to the loop, read, write and cas are lin-kv's.
func (s *Server) Register() {
	s.n.Handle("init", func(node.Message) error { return s.start() })
	for _, typ := range []string{raft.MsgPreVote, raft.MsgPreVoteResp, raft.MsgVote, raft.MsgVoteResp, raft.MsgAppend, raft.MsgAppendResp} {
		s.n.Handle(typ, s.handlePeer)
	}
	for _, typ := range []string{"read", "write", "cas"} {
		s.n.Handle(typ, s.handleClient)
	}
}

// start opens the storage, restores Raft from it and starts the loop.
// It runs once, on init (a restarted process gets init again).
func (s *Server) start() error {
	var st Storage = &MemStorage{}
	if s.opts.DataDir != "" {
		fs, err := OpenFileStorage(s.opts.DataDir)
		if err != nil {
			return node.NewRPCErrorf(node.Crash, "%v", err)
		}
		fs.ForgetVote = s.opts.Unsafe.ForgetVote
		st = fs
	} else {
		s.n.Logf("no data directory ($%s): Raft state is kept in memory only", DataDirEnv)
	}
	hs, entries, err := st.Load()
	if err != nil {
		return node.NewRPCErrorf(node.Crash, "%v", err)
	}
	// Election timeouts drawn from the node id alone: the same ids elect
	// the same way from run to run, so that with the harness's --seed a
	// run repeats closely enough for tests to pick a schedule. With
	// firstLeaderSeed, n0 times out first by 170 ms among n0..n4 and wins
	// the first election.
	h := fnv.New64a()
	h.Write([]byte(s.n.ID()))
	s.store = st
	s.kv = NewKV()
	s.proposals = map[uint64]proposal{}
	s.reads = map[uint64]*request{}
	s.raft = raft.New(raft.Config{
		ID:                  s.n.ID(),
		Peers:               s.n.NodeIDs(),
		ElectionTicks:       s.opts.ElectionTicks,
		HeartbeatTicks:      s.opts.HeartbeatTicks,
		Rand:                rand.New(rand.NewPCG(h.Sum64(), firstLeaderSeed)),
		CheckQuorum:         !s.opts.NoCheckQuorum,
		CommitWithoutQuorum: s.opts.Unsafe.AckBeforeMajority,
	}, hs, entries)
	s.n.Logf("restored term %d, vote %q, %d entries", hs.Term, hs.Vote, len(entries))
	go s.loop()
	return nil
}

func (s *Server) handlePeer(msg node.Message) error {
	var m raft.Message
	if err := json.Unmarshal(msg.Body, &m); err != nil {
		return node.Malformed(msg, err)
	}
	m.From, m.To = msg.Src, msg.Dest
	s.events <- event{peer: &m}
	return nil
}

// clientBody is a lin-kv request, or one forwarded by another node.
type clientBody struct {
	Type      string          `json:"type"`
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value,omitempty"`
	From      json.RawMessage `json:"from,omitempty"`
	To        json.RawMessage `json:"to,omitempty"`
	Forwarded bool            `json:"forwarded,omitempty"`
}

func (s *Server) handleClient(msg node.Message) error {
	var b clientBody
	if err := json.Unmarshal(msg.Body, &b); err != nil || len(b.Key) == 0 {
		if err == nil {
			err = fmt.Errorf("%s needs a key", b.Type)
		}
		return node.Malformed(msg, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.RequestTimeout)
	defer cancel()
	req := &request{
		cmd:       Command{Op: b.Type, Key: b.Key, Value: b.Value, From: b.From, To: b.To},
		forwarded: b.Forwarded,
		done:      make(chan result, 1),
	}
	var res result
	for {
		res = s.submit(ctx, req)
		if res.err != errNoLeader {
			break
		}
		// During an election: wait a little for a leader rather than
		// fail the client at once (the request has not been run).
		select {
		case <-time.After(s.opts.Tick * time.Duration(s.opts.HeartbeatTicks) / 2):
		case <-ctx.Done():
			return node.NewRPCError(node.TemporarilyUnavailable, "no leader known")
		}
	}
	if res.forward != "" {
		b.Forwarded = true
		reply, err := s.n.SyncRPC(ctx, res.forward, b)
		if err != nil {
			return err // the leader's error, or a timeout (indefinite)
		}
		return s.n.Reply(msg, json.RawMessage(reply.Body))
	}
	if res.err != nil {
		return res.err
	}
	return s.n.Reply(msg, res.body)
}

// errNoLeader answers a request at a node that knows no leader to forward
// it to.
var errNoLeader = node.NewRPCError(node.TemporarilyUnavailable, "not the leader, and no leader known")

// submit hands req to the loop and waits for its result.
func (s *Server) submit(ctx context.Context, req *request) result {
	select {
	case s.events <- event{req: req}:
	case <-ctx.Done():
		return result{err: node.NewRPCError(node.Timeout, "node busy")}
	}
	select {
	case res := <-req.done:
		return res
	case <-ctx.Done():
		return result{err: node.NewRPCErrorf(node.Timeout, "not answered within %v", s.opts.RequestTimeout)}
	}
}

// loop owns the Raft state machine: it feeds it ticks and events and does
// what each Ready asks.
func (s *Server) loop() {
	t := time.NewTicker(s.opts.Tick)
	defer t.Stop()
	defer s.store.Close()
	lastState, lastTerm := s.raft.State(), s.raft.Term()
	for {
		select {
		case <-s.n.Done():
			return
		case <-t.C:
			s.raft.Tick()
		case ev := <-s.events:
			s.handle(ev)
		}
		// Take whatever else is queued, so that one Ready (one fsync,
		// one append per peer) covers it all.
		for more := true; more; {
			select {
			case ev := <-s.events:
				s.handle(ev)
			default:
				more = false
			}
		}
		if st, term := s.raft.State(), s.raft.Term(); st != lastState || term != lastTerm {
			s.n.Logf("%s in term %d (leader %q)", st, term, s.raft.Lead())
			lastState, lastTerm = st, term
		}
		if err := s.ready(s.raft.Ready()); err != nil {
			// Going on without the state on disk would be unsafe.
			panic(fmt.Sprintf("raft: %v", err))
		}
	}
}

func (s *Server) handle(ev event) {
	if ev.peer != nil {
		s.raft.Step(*ev.peer)
		return
	}
	req := ev.req
	if s.raft.State() != raft.Leader {
		s.refer(req)
		return
	}
	if req.cmd.Op == "read" {
		if s.opts.Unsafe.LocalReads {
			body, err := s.kv.Read(req.cmd.Key)
			req.done <- result{body: body, err: err}
			return
		}
		s.nextRead++
		s.raft.ReadIndex(s.nextRead)
		s.reads[s.nextRead] = req
		return
	}
	data, err := json.Marshal(req.cmd)
	if err != nil {
		req.done <- result{err: err}
		return
	}
	index, term, _ := s.raft.Propose(data)
	s.proposals[index] = proposal{term: term, req: req}
}

// refer sends a request this node cannot serve to the leader, if one is
// known and the request has not been forwarded already.
func (s *Server) refer(req *request) {
	lead := s.raft.Lead()
	if lead == "" || lead == s.n.ID() || req.forwarded {
		req.done <- result{err: errNoLeader}
		return
	}
	req.done <- result{forward: lead}
}

func (s *Server) ready(rd raft.Ready) error {
	if err := s.store.Save(rd.HardState, rd.Entries); err != nil {
		return err
	}
	for _, m := range rd.Messages {
		if err := s.n.Send(m.To, m); err != nil {
			s.n.Logf("send to %s: %v", m.To, err)
		}
	}
	for _, e := range rd.Committed {
		s.apply(e)
	}
	for _, rs := range rd.ReadStates {
		req := s.reads[rs.ID]
		delete(s.reads, rs.ID)
		if req == nil {
			continue
		}
		if rs.Lost {
			req.done <- result{err: node.NewRPCError(node.TemporarilyUnavailable, "lost leadership before the read was confirmed")}
			continue
		}
		s.servable = append(s.servable, servableRead{index: rs.Index, req: req})
	}
	kept := s.servable[:0]
	for _, r := range s.servable {
		if r.index > s.applied {
			kept = append(kept, r)
			continue
		}
		body, err := s.kv.Read(r.req.cmd.Key)
		r.req.done <- result{body: body, err: err}
	}
	s.servable = kept
	return nil
}

// apply applies one committed entry and answers the client that proposed
// it here, if any. If a different entry took its index, the proposal was
// overwritten after a change of leader and can never commit: error 11.
func (s *Server) apply(e raft.Entry) {
	s.applied = e.Index
	var res result
	if e.Data != nil {
		var c Command
		if err := json.Unmarshal(e.Data, &c); err != nil {
			res.err = node.NewRPCErrorf(node.Crash, "undecodable entry %d: %v", e.Index, err)
		} else {
			res.body, res.err = s.kv.Apply(c)
		}
	}
	p, ok := s.proposals[e.Index]
	if !ok {
		return
	}
	delete(s.proposals, e.Index)
	if p.term != e.Term {
		res = result{err: node.NewRPCError(node.TemporarilyUnavailable, "proposal lost in a change of leader")}
	}
	p.req.done <- res
}
