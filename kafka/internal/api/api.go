// Package api registers the four client RPCs of Maelstrom's kafka workload
// (src/maelstrom/workload/kafka.clj, the defrpc forms; doc/workloads.md,
// "Workload: Kafka") on a node, in front of either replication mode:
//
//	send {key, msg}                  -> send_ok {offset}
//	poll {offsets: {key: offset}}    -> poll_ok {msgs: {key: [[offset, msg], ...]}}
//	commit_offsets {offsets}         -> commit_offsets_ok
//	list_committed_offsets {keys}    -> list_committed_offsets_ok {offsets}
//
// Polls and committed offsets are always answered from the node's own
// state; only send depends on the mode.
package api

import (
	"context"
	"encoding/json"
	"time"

	"glomers/kafka/internal/store"
	"glomers/node"
)

// Backend is one replication mode.
type Backend interface {
	// Send appends msg to key's log and returns its offset. An error must
	// be definite (e.g. temporarily-unavailable) only when the message
	// surely was not and will never be appended.
	Send(ctx context.Context, key string, msg json.RawMessage) (int64, error)
	// Store is the node's logs; polls read their readable prefixes.
	Store() *store.Store
	// Commit records committed offsets. It never fails: the workload's
	// client has already advanced past what it polled, so a failed commit
	// would turn a good poll into a lost one.
	Commit(offsets map[string]int64)
	// Committed is the table list_committed_offsets reads.
	Committed() *store.Offsets
}

// DefaultSendTimeout bounds a send inside the node, well below the
// client's 5 s timeout (Maelstrom's client default-timeout), so the client
// gets our answer (and its definiteness) rather than a timeout.
const DefaultSendTimeout = 2 * time.Second

type sendReq struct {
	Key string          `json:"key"`
	Msg json.RawMessage `json:"msg"`
}

type sendOK struct {
	Type   string `json:"type"`
	Offset int64  `json:"offset"`
}

type pollReq struct {
	Offsets map[string]int64 `json:"offsets"`
}

type commitReq struct {
	Offsets map[string]int64 `json:"offsets"`
}

type listReq struct {
	Keys []string `json:"keys"`
}

type listOK struct {
	Type    string           `json:"type"`
	Offsets map[string]int64 `json:"offsets"`
}

// Register installs the client handlers.
func Register(n *node.Node, b Backend, sendTimeout time.Duration) {
	if sendTimeout <= 0 {
		sendTimeout = DefaultSendTimeout
	}
	n.Handle("send", func(msg node.Message) error {
		var req sendReq
		if err := msg.DecodeBody(&req); err != nil {
			return err
		}
		if len(req.Msg) == 0 {
			return node.Malformed(msg, nil)
		}
		ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
		defer cancel()
		off, err := b.Send(ctx, req.Key, req.Msg)
		if err != nil {
			return err
		}
		return n.Reply(msg, sendOK{Type: "send_ok", Offset: off})
	})
	n.Handle("poll", func(msg node.Message) error {
		var req pollReq
		if err := msg.DecodeBody(&req); err != nil {
			return err
		}
		buf := make([]byte, 0, 256)
		buf = append(buf, `{"type":"poll_ok","msgs":`...)
		buf = b.Store().AppendPoll(buf, req.Offsets)
		buf = append(buf, '}')
		return n.Reply(msg, json.RawMessage(buf))
	})
	n.Handle("commit_offsets", func(msg node.Message) error {
		var req commitReq
		if err := msg.DecodeBody(&req); err != nil {
			return err
		}
		b.Commit(req.Offsets)
		return n.Reply(msg, node.MessageBody{Type: "commit_offsets_ok"})
	})
	n.Handle("list_committed_offsets", func(msg node.Message) error {
		var req listReq
		if err := msg.DecodeBody(&req); err != nil {
			return err
		}
		return n.Reply(msg, listOK{Type: "list_committed_offsets_ok", Offsets: b.Committed().Get(req.Keys)})
	})
}
