package service

import "math/rand/v2"

// seqKV is Maelstrom's seq-kv: `(sequential (persistent-kv))` from
// service.clj, which keeps the last 32 states of the store in a ring buffer,
// numbered 0, 1, 2, ... (the newest is last-index), and for every client (by
// source node id) the index of the state it last interacted with (0 at
// first). Each request:
//
//  1. picks an index uniformly in [client's index, last-index];
//  2. runs the request against that (possibly old) state;
//  3. if that leaves the state unchanged (every read, every failed cas, a
//     write of the value the key already had there), answers with that
//     result and moves the client to the picked index: reads may be stale,
//     and even "updates" may take effect in the past, as doc/services.md
//     explains;
//  4. otherwise runs the request again on the newest state, appends the
//     result as a new state (even if that second run changed nothing, as
//     Maelstrom does), answers with the second result, and moves the client
//     to the new last index.
//
// So all operations fit one total order (the states), each client's view
// only moves forward, and updates never fork history.
//
// One difference, on purpose: when the picked index is older than the
// oldest state kept, Maelstrom's ring buffer (amalloy/ring-buffer's nth,
// which takes the offset modulo the buffer length) silently serves a newer
// state, index + k*32, yet records the old index for the client, so that
// client's next request can be served a state older than the one it has
// already seen. We serve the same state (the same wrap-around, so the same
// distribution of staleness) but record the index of the state actually
// served, which keeps the per-client monotonic order the docs promise.
//
// States are stored as the newest map plus, for each newer state, an undo
// record of the one key it changed, so a past value costs at most 31 steps
// to reconstruct and no map is ever copied.
type seqKV struct {
	rng     *rand.Rand
	size    int64            // states kept
	latest  map[string]value // the state at index last
	undo    []undoRecord     // undo[i % size] turns state i back into state i-1
	last    int64            // index of the newest state
	clients map[string]int64 // source -> index of the state it last saw
}

// undoRecord says how state i differs from state i-1: key had prev
// (present when existed) before. A record with set false is a state equal
// to its predecessor.
type undoRecord struct {
	set     bool
	key     string
	prev    value
	existed bool
}

func newSeqKV(size int, rng *rand.Rand) *seqKV {
	return &seqKV{
		rng:     rng,
		size:    int64(size),
		latest:  map[string]value{},
		undo:    make([]undoRecord, size),
		clients: map[string]int64{},
	}
}

// valueAt is key's value in the state with index i, which must be kept.
func (s *seqKV) valueAt(key string, i int64) (value, bool) {
	cur, ok := s.latest[key]
	for j := s.last; j > i; j-- {
		if u := s.undo[j%s.size]; u.set && u.key == key {
			cur, ok = u.prev, u.existed
		}
	}
	return cur, ok
}

// pick chooses the state a client's request sees: uniform over its
// client's window, wrapped into the kept states as Maelstrom's ring buffer
// wraps it.
func (s *seqKV) pick(client int64) int64 {
	i := client + s.rng.Int64N(s.last-client+1)
	kept := min(s.last+1, s.size)
	if oldest := s.last - kept + 1; i < oldest {
		off := (i - s.last - 1) % kept // negative offset from the end, as in service.clj
		if off < 0 {
			off += kept
		}
		i = oldest + off
	}
	return i
}

func (s *seqKV) handle(src string, req *request) reply {
	op, bad := parseKV(SeqKV, req)
	if bad != nil {
		return *bad
	}
	key := op.key.canon
	i := s.pick(s.clients[src])
	cur, ok := s.valueAt(key, i)
	if res := applyKV(op, cur, ok); !res.changed {
		s.clients[src] = i
		return res.reply
	}
	cur, ok = s.latest[key]
	res := applyKV(op, cur, ok)
	s.last++
	u := undoRecord{}
	if res.changed {
		u = undoRecord{set: true, key: key, prev: cur, existed: ok}
		s.latest[key] = res.next
	}
	s.undo[s.last%s.size] = u
	s.clients[src] = s.last
	return res.reply
}
