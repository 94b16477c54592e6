package service

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"glomers/harness/errcode"
)

// lwwKV is Maelstrom's lww-kv: `(eventual (lww-kv))` from service.clj.
// It simulates several independent replicas, each a map from key to
// (timestamp, value) with a Lamport clock. On every request:
//
//  1. a random source replica is merged into a random destination replica
//     (possibly the same one): the destination's clock becomes the larger
//     of the two, and each key keeps the entry with the higher timestamp,
//     the source's on a tie; keys only one side has are kept;
//  2. the request is handled by a random replica, alone: read answers that
//     replica's value (or 20); write stamps the value with the replica's
//     clock and then increments the clock; cas compares with that replica's
//     value, answers 22 "current value X is not Y" on a mismatch and 20 on
//     a missing key. As in service.clj's LWWKV, cas ignores
//     create_if_not_exists, and a failed request changes nothing.
//
// So acknowledged writes can be lost (a concurrent or even later write on
// another replica with a higher or tied timestamp wins), reads can be
// stale or miss a key another replica has, and the replicas converge only
// as requests keep arriving (merging happens per request, not on a timer,
// exactly as in service.clj, whose docstring calls it "periodic gossip").
//
// Replicas default to 2, the default of service.clj's `eventual` that
// default-services uses (doc/services.md says 5). service.clj builds its
// new replica vector from the pre-merge vector, discarding the merge;
// discardMerges reproduces that, otherwise the request runs on the merged
// replicas.
type lwwKV struct {
	rng           *rand.Rand
	replicas      []*lwwReplica
	discardMerges bool
}

type lwwReplica struct {
	clock int64
	m     map[string]lwwEntry
}

type lwwEntry struct {
	ts  int64
	val value
}

func newLWWKV(n int, discardMerges bool, rng *rand.Rand) *lwwKV {
	s := &lwwKV{rng: rng, discardMerges: discardMerges}
	for range n {
		s.replicas = append(s.replicas, &lwwReplica{m: map[string]lwwEntry{}})
	}
	return s
}

// mergeInto merges src into dst with last-write-wins, src winning ties.
func mergeInto(dst, src *lwwReplica) {
	if dst == src {
		return
	}
	dst.clock = max(dst.clock, src.clock)
	for k, e := range src.m {
		if d, ok := dst.m[k]; !ok || e.ts >= d.ts {
			dst.m[k] = e
		}
	}
}

func (s *lwwKV) handle(_ string, req *request) reply {
	// A request service.clj cannot handle throws inside its swap!, leaving
	// every replica untouched; so parse before merging.
	op, bad := parseKV(LWWKV, req)
	if bad != nil {
		return *bad
	}
	n := len(s.replicas)
	src, dst := s.rng.IntN(n), s.rng.IntN(n)
	if !s.discardMerges {
		mergeInto(s.replicas[dst], s.replicas[src])
	}
	r := s.replicas[s.rng.IntN(n)]
	key := op.key.canon
	cur, ok := r.m[key]
	switch op.typ {
	case "read":
		if !ok {
			return keyDoesNotExist()
		}
		return reply{Type: "read_ok", Value: cur.val.raw}
	case "write":
		r.m[key] = lwwEntry{ts: r.clock, val: op.val}
		r.clock++
		return reply{Type: "write_ok"}
	default: // cas
		if !ok {
			return keyDoesNotExist()
		}
		if cur.val.canon != op.from.canon {
			// service.clj prints the current value readably but `from` plainly.
			return errorReply(errcode.PreconditionFailed,
				fmt.Sprintf("current value %s is not %s", cur.val.raw, plain(op.from)))
		}
		r.m[key] = lwwEntry{ts: r.clock, val: op.to}
		r.clock++
		return reply{Type: "cas_ok"}
	}
}

// plain prints a value as Clojure's str would: strings without quotes.
func plain(v value) string {
	if len(v.raw) > 0 && v.raw[0] == '"' {
		var s string
		if err := json.Unmarshal(v.raw, &s); err == nil {
			return s
		}
	}
	return string(v.raw)
}
