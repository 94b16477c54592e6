package main

import (
	"encoding/json"
	"sync"
)

// maxPerKey bounds the messages one poll returns per key. The workload
// moves to a new key after a few sends (--max-writes-per-key, 16 by
// default), so only a reader far behind ever hits it.
const maxPerKey = 1024

// maxPerPoll bounds the messages of one poll reply over all its keys, as
// Kafka's max.poll.records does. The workload's final polls name every key
// of the test, so without it each would carry the whole log in one line
// (megabytes after two minutes at 10,000 operations a second), and the
// harness would hold the replies of all its threads at once. A reader
// that gets less than it asked for polls again from where it got to,
// which the final phase does until it has caught up.
//
// Kafka's default is 500 records, for consumers that process each record;
// ours only reads them, and a final poll's request names every key (5,309
// in a 20 s run at 10,000 operations a second), which costs the node about
// as much as a reply of several thousand messages. So the bound is high,
// where the cost per poll no longer dominates: 32,768 messages, a reply
// line of about half a megabyte. In a 20 s run at 8,192 the nodes spent
// 0.4 s more CPU on the final phase (11 polls per thread, not 3) and the
// harness peaked at 79 MB instead of 99; a 120 s run peaks at 371 MB
// either way, within the harness's 400 MB (docs/results/scale.md).
const maxPerPoll = 32768

// record is one fact a node replicates: a message at an offset of a key,
// or (Commit set) a committed offset of a key. Both are idempotent to
// apply: an offset never changes its message, and committed offsets are
// max-registers. So records may be applied twice, in any order.
type record struct {
	Key    string          `json:"key"`
	Offset int64           `json:"offset"`
	Msg    json.RawMessage `json:"msg,omitempty"`
	// SendID (CAS mode) names the send that took this offset, so a node
	// whose compare-and-set went unanswered can tell whether it was its own.
	SendID string `json:"send_id,omitempty"`
	Commit bool   `json:"commit,omitempty"`
}

// keyLog is one key's log. msgs[i] is the message at offset i, or nil
// while it is not known yet (in CAS mode messages can arrive out of order).
// The frontier is the first unknown offset; polls read only below it, so a
// reader never skips an offset that is filled in later.
type keyLog struct {
	msgs []json.RawMessage
	// sendIDs[i] is the send id of offset i (CAS mode; leader mode has
	// none, and leaves it empty).
	sendIDs  []string
	frontier int
}

// logs is a node's copy of every key's log and of the committed offsets.
type logs struct {
	mu        sync.Mutex
	keys      map[string]*keyLog
	committed map[string]int64
}

func newLogs() *logs {
	return &logs{keys: map[string]*keyLog{}, committed: map[string]int64{}}
}

func (l *logs) log(key string) *keyLog {
	k := l.keys[key]
	if k == nil {
		k = &keyLog{}
		l.keys[key] = k
	}
	return k
}

// apply stores a record and tells whether it was news.
func (l *logs) apply(r record) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Commit {
		if cur, ok := l.committed[r.Key]; ok && r.Offset <= cur {
			return false
		}
		l.committed[r.Key] = r.Offset
		return true
	}
	if r.Offset < 0 || r.Msg == nil {
		return false
	}
	k, off := l.log(r.Key), int(r.Offset)
	if off < len(k.msgs) && k.msgs[off] != nil {
		return false
	}
	k.msgs = grow(k.msgs, off)
	k.msgs[off] = r.Msg
	if r.SendID != "" {
		k.sendIDs = grow(k.sendIDs, off)
		k.sendIDs[off] = r.SendID
	}
	for k.frontier < len(k.msgs) && k.msgs[k.frontier] != nil {
		k.frontier++
	}
	return true
}

// append adds msg at the end of key's log (leader mode, where the log has
// no holes) and returns its record.
func (l *logs) append(key string, msg json.RawMessage) record {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.log(key)
	k.msgs = append(k.msgs, msg)
	k.frontier = len(k.msgs)
	return record{Key: key, Offset: int64(k.frontier - 1), Msg: msg}
}

// at returns the record at key's offset, if known.
func (l *logs) at(key string, off int64) (record, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.keys[key]
	if k == nil || off < 0 || off >= int64(len(k.msgs)) || k.msgs[off] == nil {
		return record{}, false
	}
	r := record{Key: key, Offset: off, Msg: k.msgs[off]}
	if off < int64(len(k.sendIDs)) {
		r.SendID = k.sendIDs[off]
	}
	return r, true
}

// grow returns s extended with zero values so that s[i] exists.
func grow[T any](s []T, i int) []T {
	if i < len(s) {
		return s
	}
	return append(s, make([]T, i+1-len(s))...)
}

// last returns the record at key's highest known offset, if any.
func (l *logs) last(key string) (record, bool) {
	l.mu.Lock()
	n := 0
	if k := l.keys[key]; k != nil {
		n = len(k.msgs)
	}
	l.mu.Unlock()
	return l.at(key, int64(n-1))
}

// span is a stretch of one key's log: Msgs[i] is the message at offset
// From+i.
type span struct {
	Key  string
	From int64
	Msgs []json.RawMessage
}

// poll returns, per requested key in the order asked, the messages from
// the requested offset up to the frontier (at most maxPerKey, and
// maxPerPoll in all). Keys with nothing to return are left out.
//
// The spans share the logs' storage rather than copying it: below the
// frontier a log never changes (apply fills only unknown offsets, which
// lie at or above it, and append writes past the end), so they may be
// read after the lock is released.
func (l *logs) poll(from []keyOffset) []span {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []span
	budget := int64(maxPerPoll)
	for _, f := range from {
		key, off := f.key, f.offset
		k := l.keys[key]
		if k == nil || off < 0 || off >= int64(k.frontier) {
			continue
		}
		if budget == 0 {
			break
		}
		upto := min(int64(k.frontier), off+min(maxPerKey, budget))
		budget -= upto - off
		out = append(out, span{Key: key, From: off, Msgs: k.msgs[off:upto:upto]})
	}
	return out
}

// committedOffsets returns the committed offsets of keys; keys never
// committed are left out, as Maelstrom's kafka workload allows.
func (l *logs) committedOffsets(keys []string) map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int64{}
	for _, k := range keys {
		if off, ok := l.committed[k]; ok {
			out[k] = off
		}
	}
	return out
}
