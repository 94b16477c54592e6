package main

// CAS mode: each key has a counter in Maelstrom's lin-kv, and a send takes
// the next offset with a compare-and-swap; the winner stores the message
// and replicates it (through the hub, see server) so that any node serves
// any poll.
//
// The counter's value is not a bare number but the last send itself:
// {"next": c+1, "send_id": ..., "msg": ...} says that offset c holds msg,
// taken by send_id. Every successful compare-and-swap moves next by one,
// from the one value with next = c to a new one, so exactly one value
// ever exists per next, and anyone who sees it (by reading the counter,
// or because their own compare-and-swap started from it) knows offset c
// for certain, and stores and replicates it.
//
// Why offsets are not prefetched: a node that reserved offsets in blocks
// would fill them at its own pace, so another node's higher offset could
// be polled before a lower reserved one is filled; the reader skips the
// lower one for good (Jepsen's poll-skip). Taking one offset per send, in
// lin-kv's order, keeps logs dense, and the frontier (see logs) keeps
// polls from passing an offset whose message is still on its way.
//
// That only works if every taken offset is eventually known. The hard case
// is a compare-and-swap without a reply: it may or may not have taken the
// offset. The node settles it (resolve): it tries the very same
// compare-and-swap again (it can succeed at most once: values never
// repeat), reads the counter, and watches for offset c to arrive from
// whoever moved the counter past it. Once it knows the offset is its own
// it stores and replicates its message and the one before it (its
// compare-and-swap proved that value), even if the client was told
// "timeout", which is indefinite. So a chain of unanswered
// compare-and-swaps unravels from its newest end.

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"glomers/node"
)

const (
	// counterPrefix names a key's counter in lin-kv.
	counterPrefix = "kafka-offset/"
	// casTimeout bounds one compare-and-swap, so that a lost reply leaves
	// the send time to settle it before its own deadline.
	casTimeout = 500 * time.Millisecond
	// resolveEvery is the pause between attempts to settle an unanswered
	// compare-and-swap.
	resolveEvery = 50 * time.Millisecond
)

// counter is the lin-kv value of a key's counter: the send that took
// offset Next-1.
type counter struct {
	Next   int64           `json:"next"`
	SendID string          `json:"send_id"`
	Msg    json.RawMessage `json:"msg"`
}

func (c counter) record(key string) record {
	return record{Key: key, Offset: c.Next - 1, Msg: c.Msg, SendID: c.SendID}
}

type casMode struct {
	*server
	kv     *node.KV
	lastID atomic.Int64
}

// newCASMode registers the send handler beside the server's. A send waits
// for lin-kv's replies, so it runs on a worker (Handle).
func newCASMode(s *server) *casMode {
	m := &casMode{server: s, kv: node.NewLinKV(s.n)}
	s.n.Handle("send", func(msg node.Message) error {
		req, err := decodeSend(msg)
		if err != nil {
			return err
		}
		off, err := m.send(context.Background(), req.Key, req.Msg)
		if err != nil {
			return err
		}
		return s.n.Reply(msg, sendOK{Type: "send_ok", Offset: off})
	})
	return m
}

// current is the newest counter value this node knows for key (Next 0:
// none yet).
func (m *casMode) current(key string) counter {
	r, ok := m.logs.last(key)
	if !ok {
		return counter{}
	}
	return counter{Next: r.Offset + 1, SendID: r.SendID, Msg: r.Msg}
}

func (m *casMode) send(ctx context.Context, key string, msg json.RawMessage) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	id := m.n.ID() + "-" + strconv.FormatInt(m.lastID.Add(1), 10)
	for attempt := 0; ctx.Err() == nil; attempt++ {
		from := m.current(key)
		to := counter{Next: from.Next + 1, SendID: id, Msg: msg}
		err := m.cas(ctx, key, from, to)
		switch {
		case err == nil:
			m.won(key, from, to)
			return to.Next - 1, nil
		case node.HasCode(err, node.PreconditionFailed), node.HasCode(err, node.KeyDoesNotExist):
			m.read(ctx, key) // someone else took it: learn the newest value
			if attempt > 0 {
				pause(ctx, time.Duration(rand.Int64N(int64(time.Millisecond)<<min(attempt, 4))))
			}
		case node.IsDefiniteError(err):
			return 0, node.NewRPCErrorf(node.TemporarilyUnavailable, "lin-kv refused the offset: %v", err)
		default:
			ours := make(chan bool, 1)
			go m.resolve(key, from, to, ours)
			select {
			case won := <-ours:
				if won {
					return to.Next - 1, nil
				}
				// Someone else took the offset; ours took none: try again.
			case <-ctx.Done():
				return 0, node.NewRPCErrorf(node.Timeout, "offset of key %q still uncertain", key)
			}
		}
	}
	// Every compare-and-swap so far failed definitely: nothing was sent.
	return 0, node.NewRPCErrorf(node.TemporarilyUnavailable, "no offset for key %q in time; nothing sent", key)
}

// won records that the counter went from from to to: both offsets are now
// known.
func (m *casMode) won(key string, from, to counter) {
	if from.Next > 0 {
		m.learn(from.record(key))
	}
	m.learn(to.record(key))
}

func (m *casMode) cas(ctx context.Context, key string, from, to counter) error {
	ctx, cancel := context.WithTimeout(ctx, casTimeout)
	defer cancel()
	if from.Next == 0 {
		return m.kv.CompareAndSwap(ctx, counterPrefix+key, nil, to, true)
	}
	return m.kv.CompareAndSwap(ctx, counterPrefix+key, from, to, false)
}

// read learns key's counter value from lin-kv.
func (m *casMode) read(ctx context.Context, key string) (counter, bool) {
	ctx, cancel := context.WithTimeout(ctx, casTimeout)
	defer cancel()
	var c counter
	if err := m.kv.ReadInto(ctx, counterPrefix+key, &c); err != nil || c.Next <= 0 {
		return counter{}, false
	}
	m.learn(c.record(key))
	return c, true
}

// resolve settles a compare-and-swap from from to to that got no reply:
// it reports on ours whether it took offset to.Next-1, and if so stores
// the message there. It keeps trying until it knows, or the node stops.
func (m *casMode) resolve(key string, from, to counter, ours chan<- bool) {
	for {
		won, known := m.judge(key, from, to)
		if known {
			if won {
				m.won(key, from, to)
			}
			ours <- won
			return
		}
		select {
		case <-m.n.Context().Done():
			return
		case <-time.After(resolveEvery):
		}
	}
}

func (m *casMode) judge(key string, from, to counter) (won, known bool) {
	if r, ok := m.logs.at(key, to.Next-1); ok {
		return r.SendID == to.SendID, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := m.cas(ctx, key, from, to)
	if err == nil {
		return true, true
	}
	if !node.IsDefiniteError(err) {
		return false, false
	}
	cur, ok := m.read(ctx, key)
	switch {
	case !ok:
		return false, false
	case cur.Next == to.Next:
		return cur.SendID == to.SendID, true
	default:
		// The counter moved on past our offset: whoever moved it from the
		// value at our offset knows it and will replicate it.
		return false, false
	}
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
