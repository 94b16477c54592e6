// Package store holds the kafka node's in-memory state, shaped for the
// workload's access pattern (Maelstrom's src/maelstrom/workload/kafka.clj):
// per-key logs that only grow at their end, polls that read a bounded run
// of messages from a given offset, and committed offsets that only rise.
package store

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"sync"
)

// DefaultMaxPerKey bounds the messages one poll returns per key. The
// workload rotates keys after --max-writes-per-key sends (16 by default),
// so only a reader far behind ever hits it; it keeps replies (and the time
// a poll holds the store) bounded.
const DefaultMaxPerKey = 1024

// DefaultMaxPerPoll is the default bound on the messages of one poll
// reply over all keys: none. The workload's final phase assigns every key
// of the test at once from offset 0 (thousands of keys at high rates), so
// its first poll may be megabytes; a bound (poll-total=N) turns that into
// several quicker polls, the client advancing past what it got each time.
// But Jepsen's realtime-lag measures every assigned key at every poll, so
// each key a bounded final poll leaves out counts as lagging by its whole
// age (tens of seconds) and worst-realtime-lag stops meaning anything.
// Hence off by default.
const DefaultMaxPerPoll = math.MaxInt

// Log is one key's log. Offsets are dense from 0: slot i holds the message
// at offset i, or nil while it is not yet known (in CAS mode entries
// arrive from their owners out of order). The frontier is the first
// unknown offset; only offsets below it are ever read, so a reader never
// skips an offset that may later be filled in.
//
// Append and Put are amortised O(1) (slice growth), a read from an offset
// is O(1) indexing. Slots below the frontier are never written again, so a
// sub-slice taken under the store's lock stays valid after it is released.
type Log struct {
	msgs     []json.RawMessage
	frontier int
}

// Len is the frontier: the number of offsets readable from 0.
func (l *Log) Len() int { return l.frontier }

// Known tells whether offset off holds a message.
func (l *Log) Known(off int) bool { return off >= 0 && off < len(l.msgs) && l.msgs[off] != nil }

// Append adds msg at the frontier and returns its offset. It is for logs
// filled only at their end (leader mode); a log with holes panics.
func (l *Log) Append(msg json.RawMessage) int {
	if l.frontier != len(l.msgs) {
		panic("store: Append to a log with holes")
	}
	l.msgs = append(l.msgs, msg)
	l.frontier = len(l.msgs)
	return l.frontier - 1
}

// Put stores msg at off. It returns false when off already holds a
// message (the first one stays: an offset never changes its message).
func (l *Log) Put(off int, msg json.RawMessage) bool {
	if off < 0 || msg == nil {
		return false
	}
	if off < len(l.msgs) {
		if l.msgs[off] != nil {
			return false
		}
		l.msgs[off] = msg
	} else {
		for len(l.msgs) < off {
			l.msgs = append(l.msgs, nil)
		}
		l.msgs = append(l.msgs, msg)
	}
	for l.frontier < len(l.msgs) && l.msgs[l.frontier] != nil {
		l.frontier++
	}
	return true
}

// Range returns at most max messages from offset from, all below the
// frontier (message i of the result is at offset from+i). The result
// shares the log's storage: do not modify it.
func (l *Log) Range(from, max int) []json.RawMessage {
	if from < 0 {
		from = 0
	}
	if from >= l.frontier || max <= 0 {
		return nil
	}
	end := min(l.frontier, from+max)
	return l.msgs[from:end:end]
}

// Store is every key's log behind one lock. Requests touch one key (send)
// or a handful (poll), and hold the lock only for indexing and encoding,
// never for I/O.
type Store struct {
	mu         sync.RWMutex
	logs       map[string]*Log
	maxPerKey  int
	maxPerPoll int
}

// New returns an empty store whose polls return at most maxPerKey messages
// per key (DefaultMaxPerKey when maxPerKey <= 0) and DefaultMaxPerPoll in
// all.
func New(maxPerKey int) *Store {
	if maxPerKey <= 0 {
		maxPerKey = DefaultMaxPerKey
	}
	return &Store{logs: map[string]*Log{}, maxPerKey: maxPerKey, maxPerPoll: DefaultMaxPerPoll}
}

// SetMaxPerPoll changes the bound on one poll reply's messages.
func (s *Store) SetMaxPerPoll(n int) {
	if n > 0 {
		s.maxPerPoll = n
	}
}

// MaxPerKey is the poll bound per key.
func (s *Store) MaxPerKey() int { return s.maxPerKey }

func (s *Store) log(key string) *Log {
	l := s.logs[key]
	if l == nil {
		l = &Log{}
		s.logs[key] = l
	}
	return l
}

// Append adds msg at the end of key's log and returns its offset.
func (s *Store) Append(key string, msg json.RawMessage) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log(key).Append(msg)
}

// Put stores msg at offset off of key's log; false if it held one already.
func (s *Store) Put(key string, off int, msg json.RawMessage) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log(key).Put(off, msg)
}

// Known tells whether key's log holds a message at off.
func (s *Store) Known(key string, off int) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l := s.logs[key]
	return l != nil && l.Known(off)
}

// Len is key's frontier (0 for an unknown key).
func (s *Store) Len(key string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if l := s.logs[key]; l != nil {
		return l.Len()
	}
	return 0
}

// Range is Log.Range on key's log, with the store's read lock held only
// while indexing.
func (s *Store) Range(key string, from, max int) []json.RawMessage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if l := s.logs[key]; l != nil {
		return l.Range(from, max)
	}
	return nil
}

// AppendPoll appends the JSON object a poll_ok carries as "msgs": for each
// requested key with messages at or after its offset, up to MaxPerKey
// [offset, msg] pairs, contiguous from the requested offset, and at most
// MaxPerPoll pairs in all (keys in sorted order; a key cut short is still
// a contiguous run from its offset). Keys without messages are left out,
// as kafka.clj allows.
func (s *Store) AppendPoll(buf []byte, offsets map[string]int64) []byte {
	keys := make([]string, 0, len(offsets))
	for k := range offsets {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic replies
	buf = append(buf, '{')
	first := true
	budget := s.maxPerPoll
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, k := range keys {
		if budget <= 0 {
			break
		}
		l := s.logs[k]
		if l == nil {
			continue
		}
		from := offsets[k]
		if from < 0 {
			from = 0
		}
		if from >= int64(l.Len()) {
			continue
		}
		msgs := l.Range(int(from), min(s.maxPerKey, budget))
		budget -= len(msgs)
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = AppendString(buf, k)
		buf = append(buf, ':', '[')
		for i, m := range msgs {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			buf = strconv.AppendInt(buf, from+int64(i), 10)
			buf = append(buf, ',')
			buf = append(buf, m...)
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
	}
	return append(buf, '}')
}

// AppendString appends s as a JSON string.
func AppendString(buf []byte, s string) []byte {
	simple := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			simple = false
			break
		}
	}
	if simple {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	b, _ := json.Marshal(s) // never fails for a string
	return append(buf, b...)
}

// ApplyRun adds a run of messages that starts at offset from to the end of
// key's log, for a follower applying its leader's entries: messages below
// the log's end are already there (a resent run overlaps) and are
// skipped; a run that starts beyond the end would leave a hole and is
// ignored. It returns the log's new length, which the follower
// acknowledges.
func (s *Store) ApplyRun(key string, from int, msgs []json.RawMessage) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.log(key)
	n := l.Len()
	if from > n || l.frontier != len(l.msgs) {
		return n
	}
	for i, m := range msgs {
		if from+i >= n && m != nil {
			l.Append(m)
		}
	}
	return l.Len()
}
