package leader

import (
	"encoding/json"
	"time"
)

// Run is a contiguous piece of one key's log sent to a follower: Msgs[i]
// is the message at offset From+i.
type Run struct {
	Key  string
	From int
	Msgs []json.RawMessage
}

// Push is what the leader sends one follower in one repl message.
type Push struct {
	Seq  int64
	Runs []Run
	// CommitsFrom is the leader's committed-offsets version the follower
	// has confirmed; the push carries what changed after it.
	CommitsFrom int64
}

// Tracker is the leader's replication bookkeeping: for each follower and
// each key, the next offset to send (everything below it is acknowledged),
// the keys with entries beyond it (dirty), and the one push in flight.
// A push that is not acknowledged within the retry interval is given up
// and its keys are sent again from their acknowledged offsets, so a lost
// push or a lost acknowledgement only delays entries. Acknowledgements
// carry the follower's log lengths, which are the truth: next only rises.
// Tracker is not safe for concurrent use; the server locks around it.
type Tracker struct {
	retry      time.Duration
	maxPerKey  int
	maxPerPush int
	fs         map[string]*follower
}

type follower struct {
	next     map[string]int
	dirty    map[string]struct{}
	inflight map[string]struct{} // keys of the push awaiting its ack
	waiting  bool
	seq      int64 // of the last push
	sentAt   time.Time
	lastSent time.Time
	// commitsAcked is the leader's commit version the follower applied;
	// theirCV the follower's own commit version merged at the leader.
	commitsAcked int64
	theirCV      int64
}

// NewTracker tracks followers. retry is how long a push may go
// unacknowledged; maxPerKey bounds the messages of one key in one push and
// maxPerPush the messages of a whole push.
func NewTracker(followers []string, retry time.Duration, maxPerKey, maxPerPush int) *Tracker {
	t := &Tracker{retry: retry, maxPerKey: max(1, maxPerKey), maxPerPush: max(1, maxPerPush), fs: map[string]*follower{}}
	for _, f := range followers {
		t.fs[f] = &follower{next: map[string]int{}, dirty: map[string]struct{}{}, inflight: map[string]struct{}{}}
	}
	return t
}

// Followers lists the tracked followers (any order).
func (t *Tracker) Followers() []string {
	out := make([]string, 0, len(t.fs))
	for f := range t.fs {
		out = append(out, f)
	}
	return out
}

// Appended records that key's log grew: every follower needs it.
func (t *Tracker) Appended(key string) {
	for _, f := range t.fs {
		f.dirty[key] = struct{}{}
	}
}

// Next returns the push due to follower f at now, if any: the dirty keys'
// entries from their next offsets (read with rng, which returns the
// messages from an offset, bounded), the committed offsets when the
// leader's commit version is past what f confirmed, or an empty heartbeat
// when nothing was sent for heartbeat. Nothing is due while a push is in
// flight and younger than the retry interval.
func (t *Tracker) Next(f string, now time.Time, heartbeat time.Duration, commitVersion int64,
	rng func(key string, from, max int) []json.RawMessage) (Push, bool) {
	fl := t.fs[f]
	if fl == nil {
		return Push{}, false
	}
	if fl.waiting {
		if now.Sub(fl.sentAt) < t.retry {
			return Push{}, false
		}
		t.requeue(fl)
	}
	var runs []Run
	total := 0
	for k := range fl.dirty {
		if total >= t.maxPerPush {
			break
		}
		from := fl.next[k]
		msgs := rng(k, from, min(t.maxPerKey, t.maxPerPush-total))
		delete(fl.dirty, k)
		if len(msgs) == 0 {
			continue
		}
		runs = append(runs, Run{Key: k, From: from, Msgs: msgs})
		fl.inflight[k] = struct{}{}
		total += len(msgs)
	}
	if len(runs) == 0 && commitVersion <= fl.commitsAcked && now.Sub(fl.lastSent) < heartbeat {
		return Push{}, false
	}
	fl.seq++
	fl.waiting, fl.sentAt, fl.lastSent = true, now, now
	return Push{Seq: fl.seq, Runs: runs, CommitsFrom: fl.commitsAcked}, true
}

// requeue gives up the push in flight: its keys are dirty again.
func (t *Tracker) requeue(fl *follower) {
	for k := range fl.inflight {
		fl.dirty[k] = struct{}{}
	}
	clear(fl.inflight)
	fl.waiting = false
}

// Acked applies follower f's acknowledgement of push seq: its log lengths
// (lens), the leader commit version it applied and its own commit version
// (whose commits came with this acknowledgement and are merged). logLen gives the
// leader's own lengths, to tell which keys still have more to send. An
// acknowledgement of an older push still raises next (lengths are true
// whenever they were measured) but leaves the newer push in flight.
func (t *Tracker) Acked(f string, seq int64, lens map[string]int, commitVersion, theirCV int64, logLen func(string) int) {
	fl := t.fs[f]
	if fl == nil {
		return
	}
	for k, n := range lens {
		if n > fl.next[k] {
			fl.next[k] = n
		}
		if fl.next[k] < logLen(k) {
			fl.dirty[k] = struct{}{}
		} else {
			delete(fl.dirty, k)
		}
	}
	fl.commitsAcked = max(fl.commitsAcked, commitVersion)
	fl.theirCV = max(fl.theirCV, theirCV)
	if seq != fl.seq || !fl.waiting {
		return
	}
	for k := range fl.inflight {
		if fl.next[k] < logLen(k) {
			fl.dirty[k] = struct{}{}
		}
	}
	clear(fl.inflight)
	fl.waiting = false
}

// NextIndex is the next offset of key to send to f (for tests and
// diagnostics).
func (t *Tracker) NextIndex(f, key string) int {
	if fl := t.fs[f]; fl != nil {
		return fl.next[key]
	}
	return 0
}

// Pending tells whether f has entries waiting to be sent or in flight.
func (t *Tracker) Pending(f string) bool {
	fl := t.fs[f]
	return fl != nil && (len(fl.dirty) > 0 || len(fl.inflight) > 0)
}

// theirCV is follower f's own commit version merged at the leader.
func (t *Tracker) theirCV(f string) int64 {
	if fl := t.fs[f]; fl != nil {
		return fl.theirCV
	}
	return 0
}
