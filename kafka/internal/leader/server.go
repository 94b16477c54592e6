// Package leader is the kafka node's strong-leader mode. One node (n0 by
// default: the first of the init message's node ids) assigns every offset
// and takes every write; the other nodes forward sends to it. The leader
// pushes new entries to each follower every interval, tracking per
// follower and per key the next offset to send and advancing it on
// acknowledgement (Tracker), so a lost push is sent again.
//
// Why followers may serve polls: the leader's logs are dense (offsets 0,
// 1, 2, ... with no holes), a follower only ever extends its copy of a
// key's log at its end with the leader's entries, so each follower log is
// a prefix of the leader's. A poll from offset o returns the contiguous
// run the follower holds from o; it may be shorter than the leader's, but
// it can never skip an offset, reorder offsets, or show a message at an
// offset other than the leader's. Jepsen's kafka checker
// (jepsen/src/jepsen/tests/kafka.clj) has no recency requirement, so a
// lagging follower costs only realtime lag.
//
// Committed offsets are max registers (store.Offsets): a node merges a
// commit locally, followers ship their commits to the leader on their
// push acknowledgements, and the leader ships the merged table on its
// pushes. They never move backwards anywhere.
//
// Errors: a follower that has not heard from the leader for
// LeaderTimeout refuses a send with temporarily-unavailable (11, definite:
// it never forwarded it). A forwarded send without a reply in time is
// answered with timeout (0, indefinite): the leader may have appended it.
package leader

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"glomers/kafka/internal/store"
	"glomers/node"
)

// Config holds the leader mode's tunables.
type Config struct {
	// Leader is the leader's id; "" means the first node id.
	Leader string
	// Interval is the push period: at most one push per follower per
	// interval.
	Interval time.Duration
	// Heartbeat is the longest a follower goes without a push (empty if
	// nothing is new), so followers know the leader is reachable and their
	// commits, which ride on acknowledgements, reach it.
	Heartbeat time.Duration
	// Retry is how long a push may go unacknowledged before its entries
	// are sent again.
	Retry time.Duration
	// LeaderTimeout is how long a follower may go without hearing from the
	// leader before it refuses sends instead of forwarding them.
	LeaderTimeout time.Duration
	// ForwardTimeout bounds a forwarded send.
	ForwardTimeout time.Duration
	// MaxPerKey bounds one key's messages per push; MaxPerPush a push's.
	MaxPerKey, MaxPerPush int
}

// DefaultConfig is tuned for Maelstrom's defaults (no added latency).
func DefaultConfig() Config {
	return Config{
		Interval:       20 * time.Millisecond,
		Heartbeat:      100 * time.Millisecond,
		Retry:          250 * time.Millisecond,
		LeaderTimeout:  600 * time.Millisecond,
		ForwardTimeout: 1500 * time.Millisecond,
		MaxPerKey:      1024,
		MaxPerPush:     8192,
	}
}

// Server is one node in leader mode.
type Server struct {
	n        *node.Node
	cfg      Config
	leader   string
	isLeader bool
	store    *store.Store
	// committed is the merged table list_committed_offsets reads; own (on
	// followers) holds the commits made at this node, shipped to the
	// leader.
	committed *store.Offsets
	own       *store.Offsets

	mu      sync.Mutex
	tracker *Tracker // leader only
	// Follower state.
	lastHeard  time.Time
	leaderCV   int64 // leader commit version applied here
	ownAckedCV int64 // own commit version the leader confirmed
	now        func() time.Time
}

// New builds the server for node n after init (it reads n's ids).
func New(n *node.Node, cfg Config, st *store.Store) *Server {
	ids := n.NodeIDs()
	leader := cfg.Leader
	if leader == "" && len(ids) > 0 {
		leader = ids[0]
	}
	s := &Server{
		n: n, cfg: cfg, leader: leader, isLeader: n.ID() == leader || leader == "",
		store: st, committed: store.NewOffsets(), own: store.NewOffsets(), now: time.Now,
	}
	s.lastHeard = s.now()
	if s.isLeader {
		var fs []string
		for _, id := range ids {
			if id != n.ID() {
				fs = append(fs, id)
			}
		}
		s.tracker = NewTracker(fs, cfg.Retry, cfg.MaxPerKey, cfg.MaxPerPush)
	}
	return s
}

// IsLeader tells whether this node is the leader.
func (s *Server) IsLeader() bool { return s.isLeader }

// Store implements api.Backend.
func (s *Server) Store() *store.Store { return s.store }

// Committed implements api.Backend.
func (s *Server) Committed() *store.Offsets { return s.committed }

// Commit implements api.Backend: merged here at once, shipped later.
func (s *Server) Commit(offsets map[string]int64) {
	s.committed.MergeAll(offsets)
	if !s.isLeader {
		s.own.MergeAll(offsets)
	}
}

type fwdReq struct {
	Type string          `json:"type"`
	Key  string          `json:"key"`
	Msg  json.RawMessage `json:"msg"`
}

type fwdOK struct {
	Type   string `json:"type"`
	Offset int64  `json:"offset"`
}

// Send implements api.Backend.
func (s *Server) Send(ctx context.Context, key string, msg json.RawMessage) (int64, error) {
	if s.isLeader {
		return s.append(key, msg), nil
	}
	s.mu.Lock()
	silent := s.now().Sub(s.lastHeard)
	s.mu.Unlock()
	if silent > s.cfg.LeaderTimeout {
		return 0, node.NewRPCErrorf(node.CodeTemporarilyUnavailable, "leader %s unreachable for %v; send not forwarded", s.leader, silent.Round(time.Millisecond))
	}
	fctx, cancel := context.WithTimeout(ctx, s.cfg.ForwardTimeout)
	defer cancel()
	reply, err := s.n.SyncRPC(fctx, s.leader, fwdReq{Type: "fwd_send", Key: key, Msg: msg})
	if err != nil {
		if node.IsDefiniteError(err) {
			return 0, err // the leader refused it
		}
		return 0, node.NewRPCErrorf(node.CodeTimeout, "forwarded send to leader %s: %v", s.leader, err)
	}
	var ok fwdOK
	if err := json.Unmarshal(reply.Body, &ok); err != nil {
		return 0, node.NewRPCErrorf(node.CodeCrash, "unreadable reply from leader: %v", err)
	}
	// The entry is the leader's at ok.Offset; if our copy of the log ends
	// right there we can extend it now (still a prefix of the leader's),
	// which saves the sender's own polls a push interval.
	s.store.ApplyRun(key, int(ok.Offset), []json.RawMessage{msg})
	return ok.Offset, nil
}

// append assigns the next offset of key (leader).
func (s *Server) append(key string, msg json.RawMessage) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	off := s.store.Append(key, msg)
	s.tracker.Appended(key)
	return int64(off)
}

// Register installs the node-to-node handlers.
func (s *Server) Register() {
	s.n.Handle("fwd_send", func(msg node.Message) error {
		if !s.isLeader {
			return node.NewRPCErrorf(node.CodeTemporarilyUnavailable, "%s is not the leader", s.n.ID())
		}
		var req fwdReq
		if err := msg.DecodeBody(&req); err != nil {
			return err
		}
		if len(req.Msg) == 0 {
			return node.Malformed(msg, nil)
		}
		return s.n.Reply(msg, fwdOK{Type: "fwd_send_ok", Offset: s.append(req.Key, req.Msg)})
	})
	s.n.Handle("repl", func(msg node.Message) error {
		var p replMsg
		if err := json.Unmarshal(msg.Body, &p); err != nil {
			return nil // peers expect no error replies
		}
		s.applyPush(p)
		return nil
	})
	s.n.Handle("repl_ack", func(msg node.Message) error {
		var a ackMsg
		if err := json.Unmarshal(msg.Body, &a); err != nil || !s.isLeader {
			return nil
		}
		s.committed.MergeAll(a.Commits)
		s.mu.Lock()
		s.tracker.Acked(msg.Src, a.Seq, a.Lens, a.LCV, a.CV, s.store.Len)
		s.mu.Unlock()
		return nil
	})
}

// replMsg is a push. Logs maps a key to the run sent; Commits carries the
// leader's table changes since the follower's confirmed version, CV the
// leader's current version; Ack is the follower's own commit version the
// leader has merged.
type replMsg struct {
	Seq     int64              `json:"seq"`
	Logs    map[string]runWire `json:"logs"`
	Commits map[string]int64   `json:"commits"`
	CV      int64              `json:"cv"`
	Ack     int64              `json:"ack"`
}

type runWire struct {
	From int               `json:"f"`
	Msgs []json.RawMessage `json:"m"`
}

// ackMsg acknowledges a push: the follower's lengths of the keys pushed,
// its own commits the leader has not confirmed, its own commit version
// (CV), and the leader version it applied (LCV).
type ackMsg struct {
	Type    string           `json:"type"`
	Seq     int64            `json:"seq"`
	Lens    map[string]int   `json:"lens"`
	Commits map[string]int64 `json:"commits,omitempty"`
	CV      int64            `json:"cv"`
	LCV     int64            `json:"lcv"`
}

// applyPush is the follower's side of a push.
func (s *Server) applyPush(p replMsg) {
	lens := make(map[string]int, len(p.Logs))
	for k, r := range p.Logs {
		lens[k] = s.store.ApplyRun(k, r.From, r.Msgs)
	}
	s.committed.MergeAll(p.Commits)
	s.mu.Lock()
	s.lastHeard = s.now()
	s.leaderCV = max(s.leaderCV, p.CV)
	s.ownAckedCV = max(s.ownAckedCV, p.Ack)
	lcv, acked := s.leaderCV, s.ownAckedCV
	s.mu.Unlock()
	commits, cv := s.own.Since(acked)
	_ = s.n.Send(s.leader, ackMsg{Type: "repl_ack", Seq: p.Seq, Lens: lens, Commits: commits, CV: cv, LCV: lcv})
}

// Run pushes to the followers every interval until the node's input ends
// (leader only; followers return at once).
func (s *Server) Run() {
	if !s.isLeader {
		return
	}
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-s.n.Done():
			return
		case <-t.C:
			s.Tick()
		}
	}
}

type outgoing struct {
	dest string
	body []byte
}

// Tick sends the pushes that are due.
func (s *Server) Tick() {
	now := s.now()
	cv := s.committed.Version()
	var out []outgoing
	s.mu.Lock()
	for _, f := range s.tracker.Followers() {
		p, ok := s.tracker.Next(f, now, s.cfg.Heartbeat, cv, s.store.Range)
		if !ok {
			continue
		}
		commits, ver := s.committed.Since(p.CommitsFrom)
		out = append(out, outgoing{f, encodePush(p, commits, ver, s.followerCV(f))})
	}
	s.mu.Unlock()
	for _, o := range out {
		_ = s.n.Send(o.dest, json.RawMessage(o.body))
	}
}

// followerCV is the follower's own commit version the leader has merged:
// the follower ships commits on its acks and the leader applies them as
// they arrive, so the highest CV seen in an ack is merged.
func (s *Server) followerCV(f string) int64 { return s.tracker.theirCV(f) }

// encodePush writes a repl body by hand: it carries raw messages, which
// json.Marshal would re-validate and re-compact.
func encodePush(p Push, commits map[string]int64, cv, ack int64) []byte {
	buf := make([]byte, 0, 128)
	buf = append(buf, `{"type":"repl","seq":`...)
	buf = strconv.AppendInt(buf, p.Seq, 10)
	buf = append(buf, `,"logs":{`...)
	for i, r := range p.Runs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = store.AppendString(buf, r.Key)
		buf = append(buf, `:{"f":`...)
		buf = strconv.AppendInt(buf, int64(r.From), 10)
		buf = append(buf, `,"m":[`...)
		for j, m := range r.Msgs {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, m...)
		}
		buf = append(buf, `]}`...)
	}
	buf = append(buf, '}')
	if len(commits) > 0 {
		b, _ := json.Marshal(commits)
		buf = append(buf, `,"commits":`...)
		buf = append(buf, b...)
	}
	buf = append(buf, `,"cv":`...)
	buf = strconv.AppendInt(buf, cv, 10)
	buf = append(buf, `,"ack":`...)
	buf = strconv.AppendInt(buf, ack, 10)
	return append(buf, '}')
}
