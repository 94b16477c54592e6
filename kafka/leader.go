package main

// Leader mode: one node, the first of the init message's node ids, gives
// every message its offset; the others forward their sends to it.
//
// The leader appends at the end of each key's log, so its logs are dense:
// offsets 0, 1, 2, ... without holes. It replicates every appended message
// (and every commit) to the followers through the stream: a push per
// follower every interval, resent until acknowledged.
//
// Why followers may serve polls: a follower stores the leader's messages
// at the leader's offsets and serves a key only up to its first unknown
// offset (the frontier). What it serves is therefore always a prefix of
// the leader's log: possibly shorter, never with a hole, never a different
// message at an offset. Jepsen's kafka checker (jepsen/src/jepsen/tests/
// kafka.clj) has no recency requirement, so a lagging follower costs only
// realtime lag.
//
// Committed offsets are max-registers: each node keeps the highest offset
// committed per key. A follower streams the commits made at it to the
// leader, the leader streams every commit that raised its table to the
// followers, and a commit applied twice or late changes nothing.
//
// Errors: a forwarded send that gets no reply in time is answered with
// timeout (0, indefinite: the leader may have appended it). A node that
// is asked to append while not the leader refuses with
// temporarily-unavailable (11, definite).

import (
	"encoding/json"

	"glomers/node"
)

type leaderMode struct {
	*server
}

type forwardReq struct {
	Type string          `json:"type"`
	Key  string          `json:"key"`
	Msg  json.RawMessage `json:"msg"`
}

// newLeaderMode registers the send and forwarding handlers beside the
// server's. Neither waits for anything (a follower forwards with a callback,
// see send), so both run on the node's input goroutine, as the server's do.
// A forwarded send is bounded by the node's RPC timeout, set here to
// sendTimeout: the node expires RPC callbacks from one sweep, with no timer
// per send. Leader mode makes no other RPC, so nothing else sees this
// timeout.
func newLeaderMode(s *server) *leaderMode {
	m := &leaderMode{s}
	s.n.SetRPCTimeout(sendTimeout)
	s.n.HandleNonBlocking("send", m.send)
	s.n.HandleNonBlocking("forward_send", func(msg node.Message) error {
		if !s.isHub() {
			return node.NewRPCErrorf(node.TemporarilyUnavailable, "%s is not the leader", s.n.ID())
		}
		req, err := node.Decode[forwardReq](msg)
		if err != nil {
			return err
		}
		if len(req.Msg) == 0 {
			return node.Malformed(msg, nil)
		}
		return s.n.Reply(msg, sendOK{Type: "forward_send_ok", Offset: m.append(req.Key, req.Msg)})
	})
	return m
}

// append gives msg the next offset of key (leader only).
func (m *leaderMode) append(key string, msg json.RawMessage) int64 {
	r := m.logs.append(key, msg)
	m.stream.add(r)
	return r.Offset
}

// send answers a client's send: the leader appends the message; a follower
// forwards it to the leader and answers the client from the callback of
// that RPC (node.RPCNonBlocking), which gets the leader's reply, or a
// timeout after sendTimeout.
func (m *leaderMode) send(msg node.Message) error {
	req, err := decodeSend(msg)
	if err != nil {
		return err
	}
	if m.isHub() {
		return m.n.Reply(msg, sendOK{Type: "send_ok", Offset: m.append(req.Key, req.Msg)})
	}
	forward := forwardReq{Type: "forward_send", Key: req.Key, Msg: req.Msg}
	return m.n.RPCNonBlocking(m.hub(), forward, func(reply node.Message) error {
		off, err := m.forwarded(req.Key, req.Msg, reply)
		if err != nil {
			return m.n.Reply(msg, err)
		}
		return m.n.Reply(msg, sendOK{Type: "send_ok", Offset: off})
	})
}

// forwarded reads the leader's reply to a forwarded send of msg to key.
func (m *leaderMode) forwarded(key string, msg json.RawMessage, reply node.Message) (int64, *node.RPCError) {
	if err := reply.RPCError(); err != nil {
		if err.Definite() {
			return 0, err // the leader refused it
		}
		return 0, node.NewRPCErrorf(node.Timeout, "send forwarded to leader %s: %v", m.hub(), err)
	}
	ok, err := node.Decode[sendOK](reply)
	if err != nil {
		return 0, node.NewRPCErrorf(node.Crash, "unreadable reply from the leader: %v", err)
	}
	// The message is the leader's at ok.Offset: storing it now (not
	// streaming it: the leader has it) lets the sender's own next poll see
	// it without waiting for a push. It is still a prefix of the leader's
	// log, because the frontier hides it until every offset below is known.
	m.logs.apply(record{Key: key, Offset: ok.Offset, Msg: msg})
	return ok.Offset, nil
}
