// Package raft is the Raft consensus algorithm as a pure state machine, in
// the shape of etcd-io/raft: no clocks, no goroutines, no I/O. The caller
// feeds it time (Tick), peer messages (Step), proposals (Propose) and
// linearizable-read requests (ReadIndex), then collects what to do from
// Ready: state to persist, messages to send, entries to apply, reads that
// may now be served. Because every input is explicit, a test can drive a
// whole cluster step by step (see testdata/*.txt).
//
// What it implements, from the Raft paper (Ongaro and Ousterhout, "In
// Search of an Understandable Consensus Algorithm", §5) and etcd's raft:
//   - leader election with randomized timeouts, the vote restriction (a
//     vote only for a log at least as up to date as the voter's);
//   - log replication with AppendEntries, fast back-off on a mismatch (the
//     follower hints the last index that can match, as etcd's
//     findConflictByTerm does);
//   - commit only of an entry of the leader's own term counted on a
//     majority (§5.4.2); a new leader appends an empty entry to get one;
//   - read index (§6.4 of Ongaro's thesis): a read is answered at the
//     commit index once a heartbeat round sent after the read arrived was
//     acknowledged by a majority in the current term, so a deposed leader
//     can never answer one;
//   - check quorum: a leader that has not heard from a majority for an
//     election timeout steps down, so clients of a cut-off leader get
//     redirected rather than waiting;
//   - pre-vote (§9.6 of the thesis) and etcd's leader lease: a node asks
//     whether it could win before it raises its term, and a node that
//     hears from a leader ignores candidates, so a node rejoining after a
//     partition does not depose a working leader.
//
// Not implemented: log compaction and snapshots, membership changes,
// pre-vote, leadership transfer. The log lives in memory, whole.
package raft

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
)

// State is a node's role.
type State int

// The three roles of Raft.
const (
	Follower State = iota
	PreCandidate
	Candidate
	Leader
)

func (s State) String() string {
	return [...]string{"follower", "pre-candidate", "candidate", "leader"}[s]
}

// Entry is one log entry. Data nil is the empty entry a new leader appends.
type Entry struct {
	Term  uint64          `json:"term"`
	Index uint64          `json:"index"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// HardState is what must survive a crash besides the log: the current term
// and the vote cast in it. Forgetting the vote lets a restarted node vote
// twice in one term, and so elect two leaders.
type HardState struct {
	Term uint64 `json:"term"`
	Vote string `json:"vote,omitempty"`
}

// Message types between peers.
const (
	MsgPreVote     = "request_pre_vote"
	MsgPreVoteResp = "request_pre_vote_res"
	MsgVote        = "request_vote"
	MsgVoteResp    = "request_vote_res"
	MsgAppend      = "append_entries"
	MsgAppendResp  = "append_entries_res"
)

// Message is one peer-to-peer message; it travels as the body of a
// Maelstrom message, From and To being its src and dest.
//
// For MsgVote and MsgPreVote, Index and LogTerm are the candidate's last
// entry; a MsgPreVote carries the term the candidate would campaign in,
// and a granting MsgPreVoteResp echoes it. For
// MsgAppend, Index and LogTerm are the entry just before Entries, Commit
// the leader's commit index and ReadSeq the leader's latest read round.
// A MsgAppendResp carries in Index the last index it matched (or, rejected,
// the Index it could not match, with Hint the highest index that might) and
// echoes ReadSeq.
type Message struct {
	Type    string  `json:"type"`
	From    string  `json:"-"`
	To      string  `json:"-"`
	Term    uint64  `json:"term"`
	Index   uint64  `json:"index,omitempty"`
	LogTerm uint64  `json:"log_term,omitempty"`
	Entries []Entry `json:"entries,omitempty"`
	Commit  uint64  `json:"commit,omitempty"`
	ReadSeq uint64  `json:"read_seq,omitempty"`
	Reject  bool    `json:"reject,omitempty"`
	Hint    uint64  `json:"hint,omitempty"`
}

// ReadState answers a ReadIndex request: serve read ID once entries up to
// Index are applied. Lost means leadership was lost first: refuse the read.
type ReadState struct {
	ID    uint64
	Index uint64
	Lost  bool
}

// Ready is the work the caller must do, in this order: persist HardState
// (if not nil) and Entries (they replace any stored entries from
// Entries[0].Index on) durably; then send Messages; then apply Committed
// in order; then serve ReadStates once applied far enough.
type Ready struct {
	HardState  *HardState
	Entries    []Entry
	Messages   []Message
	Committed  []Entry
	ReadStates []ReadState
}

// Config sets a node up. Times are in ticks.
type Config struct {
	ID    string
	Peers []string // every node of the cluster, this one included
	// ElectionTicks is the least election timeout; each timeout is drawn
	// from [ElectionTicks, 2·ElectionTicks).
	ElectionTicks  int
	HeartbeatTicks int
	// MaxBatch bounds the entries in one MsgAppend (0: 64).
	MaxBatch int
	Rand     *rand.Rand
	// CheckQuorum makes a leader step down after an election timeout in
	// which it did not hear from a majority.
	CheckQuorum bool
	// CommitWithoutQuorum is a deliberate bug for tests: a leader treats
	// every entry it has appended as committed, acknowledging writes no
	// majority holds.
	CommitWithoutQuorum bool
}

// Raft is one node's consensus state. It is not safe for concurrent use:
// one goroutine owns it.
type Raft struct {
	cfg   Config
	state State
	term  uint64
	vote  string
	lead  string

	log     []Entry // log[i].Index == i; log[0] is a sentinel
	commit  uint64
	applied uint64 // last index handed out in Ready.Committed

	electionElapsed  int
	heartbeatElapsed int
	electionTimeout  int // randomized

	votes        map[string]bool // candidate: who answered, and whether they granted
	next, match  map[string]uint64
	active       map[string]bool // leader: heard from in this check-quorum period
	dirty        map[string]bool // leader: peers owed a MsgAppend
	readSeq      uint64          // leader: the latest read round sent
	acked        map[string]uint64
	pendingReads []pendingRead
	readRound    bool // a read waits for a round not yet sent

	hsDirty  bool
	unstable uint64 // first log index not yet handed out for persisting; 0: none
	msgs     []Message
	reads    []ReadState
}

type pendingRead struct {
	id  uint64
	seq uint64 // the read round that must be acknowledged
}

// New returns a follower restored from what was persisted.
func New(cfg Config, hs HardState, entries []Entry) *Raft {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 64
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(1, 2))
	}
	r := &Raft{cfg: cfg, term: hs.Term, vote: hs.Vote, log: []Entry{{}}}
	for i, e := range entries {
		if e.Index != uint64(i+1) {
			panic(fmt.Sprintf("raft: restored entry %d has index %d", i+1, e.Index))
		}
	}
	r.log = append(r.log, entries...)
	r.becomeFollower(hs.Term, "")
	r.resetTimers()
	return r
}

// ID is this node's id.
func (r *Raft) ID() string { return r.cfg.ID }

// State is this node's role.
func (r *Raft) State() State { return r.state }

// Term is the current term.
func (r *Raft) Term() uint64 { return r.term }

// Lead is the leader this node knows of in the current term ("" if none).
func (r *Raft) Lead() string { return r.lead }

// Commit is the commit index.
func (r *Raft) Commit() uint64 { return r.commit }

// Log returns the log entries (not the sentinel).
func (r *Raft) Log() []Entry { return r.log[1:] }

func (r *Raft) lastIndex() uint64 { return uint64(len(r.log) - 1) }
func (r *Raft) lastTerm() uint64  { return r.log[len(r.log)-1].Term }

// termAt is the term of the entry at i, 0 beyond the log.
func (r *Raft) termAt(i uint64) uint64 {
	if i > r.lastIndex() {
		return 0
	}
	return r.log[i].Term
}

func (r *Raft) quorum() int { return len(r.cfg.Peers)/2 + 1 }

func (r *Raft) send(m Message) {
	m.From = r.cfg.ID
	if m.Term == 0 {
		m.Term = r.term
	}
	r.msgs = append(r.msgs, m)
}

func (r *Raft) setTerm(term uint64) {
	if term != r.term {
		r.term, r.vote = term, ""
		r.hsDirty = true
	}
}

func (r *Raft) resetTimers() {
	r.electionElapsed, r.heartbeatElapsed = 0, 0
	r.electionTimeout = r.cfg.ElectionTicks + r.cfg.Rand.IntN(max(r.cfg.ElectionTicks, 1))
}

// becomeFollower does not restart the election timer: only a leader's
// append or a granted vote does (the paper's rules for followers). A node
// whose campaigns cannot win, its log being behind, then cannot hold off
// the others' elections by raising the term again and again.
func (r *Raft) becomeFollower(term uint64, lead string) {
	r.setTerm(term)
	r.state, r.lead = Follower, lead
	r.heartbeatElapsed = 0
	r.dropReads()
}

// dropReads refuses the reads waiting for a leadership confirmation that
// will not come.
func (r *Raft) dropReads() {
	for _, p := range r.pendingReads {
		r.reads = append(r.reads, ReadState{ID: p.id, Lost: true})
	}
	r.pendingReads, r.readRound = nil, false
}

// preCampaign asks the peers whether they would vote for this node in the
// next term, without raising its own term: a node that cannot win (cut
// off, or with a stale log) then never disturbs the others.
func (r *Raft) preCampaign() {
	r.state, r.lead = PreCandidate, ""
	r.votes = map[string]bool{r.cfg.ID: true}
	r.resetTimers()
	if r.granted() >= r.quorum() {
		r.campaign()
		return
	}
	r.requestVotes()
}

// campaign starts an election for the next term.
func (r *Raft) campaign() {
	r.setTerm(r.term + 1)
	r.state, r.lead = Candidate, ""
	r.vote, r.hsDirty = r.cfg.ID, true
	r.votes = map[string]bool{r.cfg.ID: true}
	r.resetTimers()
	if r.granted() >= r.quorum() {
		r.becomeLeader()
		return
	}
	r.requestVotes()
}

// requestVotes asks the peers that have not answered this campaign for
// their vote. Asking again within the term lets an election survive a
// lost message without waiting for the next term.
func (r *Raft) requestVotes() {
	typ, term := MsgVote, r.term
	if r.state == PreCandidate {
		typ, term = MsgPreVote, r.term+1
	}
	for _, p := range r.peers() {
		if _, answered := r.votes[p]; !answered {
			r.send(Message{Type: typ, To: p, Term: term, Index: r.lastIndex(), LogTerm: r.lastTerm()})
		}
	}
	r.heartbeatElapsed = 0
}

func (r *Raft) granted() int {
	n := 0
	for _, g := range r.votes {
		if g {
			n++
		}
	}
	return n
}

func (r *Raft) becomeLeader() {
	r.state, r.lead = Leader, r.cfg.ID
	r.resetTimers()
	r.next, r.match = map[string]uint64{}, map[string]uint64{}
	r.active, r.dirty, r.acked = map[string]bool{}, map[string]bool{}, map[string]uint64{}
	for _, p := range r.peers() {
		r.next[p] = r.lastIndex() + 1
	}
	// An entry of our own term: committing it commits everything before
	// it, and tells us our commit index is as high as any before ours.
	r.appendEntry(nil)
}

func (r *Raft) peers() []string {
	ps := make([]string, 0, len(r.cfg.Peers))
	for _, p := range r.cfg.Peers {
		if p != r.cfg.ID {
			ps = append(ps, p)
		}
	}
	return ps
}

func (r *Raft) appendEntry(data json.RawMessage) uint64 {
	i := r.lastIndex() + 1
	r.log = append(r.log, Entry{Term: r.term, Index: i, Data: data})
	r.markUnstable(i)
	for _, p := range r.peers() {
		r.dirty[p] = true
	}
	r.maybeCommit()
	return i
}

func (r *Raft) markUnstable(i uint64) {
	if r.unstable == 0 || i < r.unstable {
		r.unstable = i
	}
}

// Tick advances time by one tick.
func (r *Raft) Tick() {
	r.electionElapsed++
	if r.state != Leader {
		if r.electionElapsed >= r.electionTimeout {
			r.preCampaign()
			return
		}
		if r.state == Candidate || r.state == PreCandidate {
			r.heartbeatElapsed++
			if r.heartbeatElapsed >= r.cfg.HeartbeatTicks {
				r.requestVotes() // again, from those that have not answered
			}
		}
		return
	}
	if r.electionElapsed >= r.cfg.ElectionTicks {
		r.electionElapsed = 0
		if r.cfg.CheckQuorum && 1+len(r.active) < r.quorum() {
			r.becomeFollower(r.term, "") // check quorum: we may be cut off
			return
		}
		r.active = map[string]bool{}
	}
	r.heartbeatElapsed++
	if r.heartbeatElapsed >= r.cfg.HeartbeatTicks {
		r.broadcast()
	}
}

// Propose appends data to the log if this node leads. It returns the
// entry's index and term, to recognise it when it is applied.
func (r *Raft) Propose(data json.RawMessage) (index, term uint64, ok bool) {
	if r.state != Leader {
		return 0, 0, false
	}
	return r.appendEntry(data), r.term, true
}

// ReadIndex asks for a linearizable read, named id. If this node leads, a
// ReadState for id comes out of a later Ready (Lost if leadership goes
// first); otherwise it returns false.
func (r *Raft) ReadIndex(id uint64) bool {
	if r.state != Leader {
		return false
	}
	r.pendingReads = append(r.pendingReads, pendingRead{id: id, seq: r.readSeq + 1})
	r.readRound = true
	r.releaseReads() // a single-node cluster needs no round
	return true
}

// Step handles one message from a peer.
func (r *Raft) Step(m Message) {
	switch {
	case m.Term > r.term:
		if (m.Type == MsgVote || m.Type == MsgPreVote) && r.inLease() {
			return // we hear from a leader: ignore a candidate that may disrupt it
		}
		switch {
		case m.Type == MsgPreVote:
			// Not a term change: the sender only asks.
		case m.Type == MsgPreVoteResp && !m.Reject:
			// The term we asked about; we raise ours if we campaign.
		case m.Type == MsgAppend:
			r.becomeFollower(m.Term, m.From)
		default:
			r.becomeFollower(m.Term, "")
		}
	case m.Term < r.term:
		// A stale leader or candidate: tell it the current term.
		switch m.Type {
		case MsgAppend:
			r.send(Message{Type: MsgAppendResp, To: m.From, Index: m.Index, Reject: true})
		case MsgVote:
			r.send(Message{Type: MsgVoteResp, To: m.From, Reject: true})
		case MsgPreVote:
			r.send(Message{Type: MsgPreVoteResp, To: m.From, Reject: true})
		}
		return
	}
	switch m.Type {
	case MsgPreVote:
		grant := m.Term > r.term && r.upToDate(m)
		resp := Message{Type: MsgPreVoteResp, To: m.From, Reject: !grant}
		if grant {
			resp.Term = m.Term
		}
		r.send(resp)
	case MsgPreVoteResp:
		if r.state == PreCandidate && m.Term == r.term+1 {
			r.votes[m.From] = !m.Reject
			if r.granted() >= r.quorum() {
				r.campaign()
			}
		}
	case MsgVote:
		r.handleVote(m)
	case MsgVoteResp:
		if r.state == Candidate {
			r.votes[m.From] = !m.Reject
			if r.granted() >= r.quorum() {
				r.becomeLeader()
			}
		}
	case MsgAppend:
		if r.state != Follower || r.lead != m.From {
			r.becomeFollower(m.Term, m.From)
		}
		r.resetTimers()
		r.handleAppend(m)
	case MsgAppendResp:
		if r.state == Leader {
			r.handleAppendResp(m)
		}
	}
}

// inLease tells whether this node has heard from a leader within the
// least election timeout (with check quorum on, as in etcd): then no
// leader can have been elected without it, and candidates are ignored.
func (r *Raft) inLease() bool {
	return r.cfg.CheckQuorum && r.lead != "" && r.electionElapsed < r.cfg.ElectionTicks
}

// upToDate is the vote restriction: the candidate's log ends in a later
// term, or in the same term and at least as far.
func (r *Raft) upToDate(m Message) bool {
	return m.LogTerm > r.lastTerm() || (m.LogTerm == r.lastTerm() && m.Index >= r.lastIndex())
}

func (r *Raft) handleVote(m Message) {
	grant := (r.vote == "" || r.vote == m.From) && r.upToDate(m)
	if grant {
		r.vote, r.hsDirty = m.From, true
		r.electionElapsed = 0
	}
	r.send(Message{Type: MsgVoteResp, To: m.From, Reject: !grant})
}

func (r *Raft) handleAppend(m Message) {
	if m.Index > r.lastIndex() || r.termAt(m.Index) != m.LogTerm {
		// Mismatch: hint the highest index whose term is not above the
		// leader's at m.Index; it may match, and no index between it and
		// m.Index can.
		hint := min(m.Index-1, r.lastIndex())
		for hint > 0 && r.termAt(hint) > m.LogTerm {
			hint--
		}
		r.send(Message{Type: MsgAppendResp, To: m.From, Index: m.Index, Hint: hint, Reject: true, ReadSeq: m.ReadSeq})
		return
	}
	for _, e := range m.Entries {
		if e.Index <= r.lastIndex() {
			if r.termAt(e.Index) == e.Term {
				continue // already have it
			}
			if e.Index <= r.commit && !r.cfg.CommitWithoutQuorum {
				panic(fmt.Sprintf("raft: %s asked to overwrite committed entry %d", m.From, e.Index))
			}
			r.log = r.log[:e.Index] // a conflict: drop it and all after
		}
		r.log = append(r.log, e)
		r.markUnstable(e.Index)
	}
	last := m.Index + uint64(len(m.Entries))
	if c := min(m.Commit, last); c > r.commit {
		r.commit = c
	}
	r.send(Message{Type: MsgAppendResp, To: m.From, Index: last, ReadSeq: m.ReadSeq})
}

func (r *Raft) handleAppendResp(m Message) {
	p := m.From
	r.active[p] = true
	if m.ReadSeq > r.acked[p] {
		r.acked[p] = m.ReadSeq
		r.releaseReads()
	}
	if m.Reject {
		if m.Index > r.match[p] { // not a stale rejection
			r.next[p] = max(r.match[p]+1, min(m.Index, m.Hint+1))
			r.dirty[p] = true
		}
		return
	}
	if m.Index > r.match[p] {
		r.match[p] = m.Index
		r.maybeCommit()
	}
	r.next[p] = max(r.next[p], m.Index+1)
	if r.next[p] <= r.lastIndex() {
		r.dirty[p] = true
	}
}

// maybeCommit advances the commit index to the highest entry of the
// current term that a majority holds.
func (r *Raft) maybeCommit() {
	if r.cfg.CommitWithoutQuorum {
		r.commit = r.lastIndex()
		return
	}
	ms := []uint64{r.lastIndex()}
	for _, p := range r.peers() {
		ms = append(ms, r.match[p])
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i] > ms[j] })
	n := ms[r.quorum()-1]
	if n > r.commit && r.termAt(n) == r.term {
		r.commit = n
		r.releaseReads()
	}
}

// releaseReads answers the reads whose round a majority acknowledged, once
// an entry of this term is committed (before that the commit index may be
// behind the previous leader's).
func (r *Raft) releaseReads() {
	if len(r.pendingReads) == 0 || r.termAt(r.commit) != r.term {
		return
	}
	seqs := []uint64{^uint64(0)}
	for _, p := range r.peers() {
		seqs = append(seqs, r.acked[p])
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] > seqs[j] })
	confirmed := seqs[r.quorum()-1]
	kept := r.pendingReads[:0]
	for _, p := range r.pendingReads {
		if p.seq <= confirmed {
			r.reads = append(r.reads, ReadState{ID: p.id, Index: r.commit})
		} else {
			kept = append(kept, p)
		}
	}
	r.pendingReads = kept
}

// sendAppend sends p the entries from next[p] on (at most MaxBatch).
func (r *Raft) sendAppend(p string) {
	next := min(r.next[p], r.lastIndex()+1)
	end := min(r.lastIndex()+1, next+uint64(r.cfg.MaxBatch))
	r.send(Message{
		Type: MsgAppend, To: p,
		Index: next - 1, LogTerm: r.termAt(next - 1),
		Entries: slices.Clone(r.log[next:end]),
		Commit:  r.commit, ReadSeq: r.readSeq,
	})
	delete(r.dirty, p)
}

// broadcast sends every peer a MsgAppend, which is also the heartbeat and
// a read round.
func (r *Raft) broadcast() {
	if r.readRound {
		r.readSeq++
		r.readRound = false
	}
	for _, p := range r.peers() {
		r.sendAppend(p)
	}
	r.heartbeatElapsed = 0
}

// Ready returns the work accumulated since the last call and forgets it.
// A leader first sends the MsgAppends owed since then, so that proposals
// made between two calls travel in one message per peer.
func (r *Raft) Ready() Ready {
	if r.state == Leader {
		if r.readRound {
			r.broadcast()
		} else {
			for _, p := range r.peers() {
				if r.dirty[p] {
					r.sendAppend(p)
				}
			}
		}
	}
	rd := Ready{Messages: r.msgs, ReadStates: r.reads}
	r.msgs, r.reads = nil, nil
	if r.hsDirty {
		rd.HardState = &HardState{Term: r.term, Vote: r.vote}
		r.hsDirty = false
	}
	if r.unstable != 0 {
		rd.Entries = slices.Clone(r.log[r.unstable:])
		r.unstable = 0
	}
	if r.commit > r.applied {
		rd.Committed = slices.Clone(r.log[r.applied+1 : r.commit+1])
		r.applied = r.commit
	}
	return rd
}
