package main

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"glomers/node"
)

// Replication settings, shared by both modes.
const (
	// pushInterval is the replication period: at most one push per peer.
	pushInterval = 20 * time.Millisecond
	// pushRetry is how long a push may go unacknowledged before it is
	// sent again.
	pushRetry = 250 * time.Millisecond
	// maxPerPush bounds the records of one push.
	maxPerPush = 4096
	// sendTimeout bounds a send inside the node, well below the client's
	// 5 s timeout, so the client gets our answer (and whether it is
	// definite) rather than a timeout of its own. Each mode applies it
	// itself: cas mode with a context deadline, leader mode as the node's
	// RPC timeout (no timer per send).
	sendTimeout = 2 * time.Second
)

// sender is what the two modes do differently: give a message its offset.
// An error must be definite (e.g. temporarily-unavailable) only when the
// message surely was not and will never be appended. send bounds its own
// time by sendTimeout; ctx only cancels it.
type sender interface {
	send(ctx context.Context, key string, msg json.RawMessage) (int64, error)
}

// server answers Maelstrom's kafka workload (src/maelstrom/workload/
// kafka.clj, doc/workloads.md). Polls and committed offsets are always
// answered from the node's own copy; only send depends on the mode.
//
// Replication runs through a hub, the first node: it pushes what it learns
// to every other node, and every other node pushes what it learns itself
// to the hub, each push carrying the acknowledgement of the other way
// (see stream). That is at most 2(N-1) messages per interval, instead of
// N(N-1) pushes and as many acknowledgements all-to-all.
type server struct {
	n      *node.Node
	logs   *logs
	stream *stream
	mode   sender
}

func newServer(n *node.Node) *server {
	return &server{n: n, logs: newLogs(), stream: newStream(pushRetry, maxPerPush)}
}

// hub is the node through which everything is replicated; leader mode
// also makes it the leader.
func (s *server) hub() string {
	if ids := s.n.NodeIDs(); len(ids) > 0 {
		return ids[0]
	}
	return s.n.ID()
}

func (s *server) isHub() bool { return s.hub() == s.n.ID() }

// learn stores a fact this node found out itself and queues it for its
// peers when it is news.
func (s *server) learn(rs ...record) {
	for _, r := range rs {
		if s.logs.apply(r) {
			s.stream.add(r)
		}
	}
}

type sendReq struct {
	Key string          `json:"key"`
	Msg json.RawMessage `json:"msg"`
}

type sendOK struct {
	Type   string `json:"type"`
	Offset int64  `json:"offset"`
}

// offsetsReq is a poll or a commit_offsets request.
type offsetsReq struct {
	Offsets map[string]int64 `json:"offsets"`
}

// decodeOffsets reads a poll's or commit's offsets: the plain shape by
// hand (readOffsets, wire.go), anything else through node.Decode, whose
// answers to malformed requests it keeps (its keys then in sorted order).
func decodeOffsets(msg node.Message) ([]keyOffset, error) {
	if offsets, ok := readOffsets(msg.Body); ok {
		return offsets, nil
	}
	req, err := node.Decode[offsetsReq](msg)
	if err != nil {
		return nil, err
	}
	offsets := make([]keyOffset, 0, len(req.Offsets))
	for _, key := range slices.Sorted(maps.Keys(req.Offsets)) {
		offsets = append(offsets, keyOffset{key, req.Offsets[key]})
	}
	return offsets, nil
}

type listReq struct {
	Keys []string `json:"keys"`
}

type listOK struct {
	Type    string           `json:"type"`
	Offsets map[string]int64 `json:"offsets"`
}

// register installs the client and replication handlers. Requests and
// small replies go through the node library's JSON; the two bodies that
// carry the logs, poll_ok and the replication push, are written and read
// by hand (wire.go).
func (s *server) register() {
	s.n.Handle("init", func(node.Message) error {
		var peers []string
		for _, id := range s.n.NodeIDs() {
			if id != s.n.ID() && (s.isHub() || id == s.hub()) {
				peers = append(peers, id)
			}
		}
		s.stream.setPeers(peers)
		return nil
	})
	s.n.Handle("send", func(msg node.Message) error {
		req, err := node.Decode[sendReq](msg)
		if err != nil {
			return err
		}
		if len(req.Msg) == 0 {
			return node.Malformed(msg, nil)
		}
		off, err := s.mode.send(context.Background(), req.Key, req.Msg)
		if err != nil {
			return err
		}
		return s.n.Reply(msg, sendOK{Type: "send_ok", Offset: off})
	})
	s.n.Handle("poll", func(msg node.Message) error {
		offsets, err := decodeOffsets(msg)
		if err != nil {
			return err
		}
		return s.n.Reply(msg, pollOKBody(s.logs.poll(offsets)))
	})
	// A commit never fails: the workload's client has already moved past
	// what it polled, so a failed commit would turn a good poll into a
	// skipped one. It is stored here and replicated like a message.
	s.n.Handle("commit_offsets", func(msg node.Message) error {
		offsets, err := decodeOffsets(msg)
		if err != nil {
			return err
		}
		for _, o := range offsets {
			s.learn(record{Key: o.key, Offset: o.offset, Commit: true})
		}
		return s.n.Reply(msg, node.MessageBody{Type: "commit_offsets_ok"})
	})
	s.n.Handle("list_committed_offsets", func(msg node.Message) error {
		req, err := node.Decode[listReq](msg)
		if err != nil {
			return err
		}
		return s.n.Reply(msg, listOK{Type: "list_committed_offsets_ok", Offsets: s.logs.committedOffsets(req.Keys)})
	})
	// Peers expect no replies: a bad push is dropped.
	s.n.Handle("replicate", func(msg node.Message) error {
		p, records, ok := parsePush(msg.Body)
		if !ok {
			return nil
		}
		s.stream.receive(msg.Src, p, time.Now())
		relay := s.isHub()
		for _, r := range records {
			if s.logs.apply(r) && relay {
				s.stream.add(r)
			}
		}
		return nil
	})
}

// replicate pushes to the peers every interval until ctx (the node's
// life, node.Context) ends. While the stream is idle (nothing to send,
// resend or acknowledge) it sleeps until records are added or a push
// arrives, then ticks again an interval later: an idle node wakes no one,
// which in a test's quiet spells (Maelstrom's recovery sleep) was most of
// a node's CPU.
func (s *server) replicate(ctx context.Context) {
	t := time.NewTicker(pushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for peer, p := range s.stream.tick(now) {
				_ = s.n.Send(peer, p.body())
			}
			if !s.stream.idle() {
				continue
			}
			t.Stop()
			select {
			case <-ctx.Done():
				return
			case <-s.stream.wake:
			}
			t.Reset(pushInterval)
		}
	}
}
