package store

import (
	"maps"
	"sync"
)

// Offsets is a table of committed offsets: key to the highest offset
// committed. Merge only ever raises a value (a max register per key), so
// committed offsets never move backwards and merging copies from other
// nodes in any order, any number of times, converges.
//
// Every raise is recorded in a change log, so that Since(v) returns just
// the keys changed after version v: a node ships its table to a peer
// incrementally and the peer confirms the version it has applied. The
// version is the number of raises so far.
type Offsets struct {
	mu      sync.Mutex
	m       map[string]int64
	changes []string // changes[i] is the key raised to make version i+1
}

// NewOffsets returns an empty table.
func NewOffsets() *Offsets { return &Offsets{m: map[string]int64{}} }

// Merge raises key to off if off is higher; it reports whether it did.
func (t *Offsets) Merge(key string, off int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.merge(key, off)
}

func (t *Offsets) merge(key string, off int64) bool {
	if cur, ok := t.m[key]; ok && cur >= off {
		return false
	}
	t.m[key] = off
	t.changes = append(t.changes, key)
	return true
}

// MergeAll merges every entry of offs.
func (t *Offsets) MergeAll(offs map[string]int64) {
	if len(offs) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, o := range offs {
		t.merge(k, o)
	}
}

// Get returns the committed offsets of keys; keys never committed are left
// out, as list_committed_offsets allows.
func (t *Offsets) Get(keys []string) map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int64, len(keys))
	for _, k := range keys {
		if o, ok := t.m[k]; ok {
			out[k] = o
		}
	}
	return out
}

// Version is the number of raises so far.
func (t *Offsets) Version() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return int64(len(t.changes))
}

// Since returns the current value of every key raised after version v,
// and the current version. It is nil when nothing changed.
func (t *Offsets) Since(v int64) (map[string]int64, int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := int64(len(t.changes))
	if v < 0 {
		v = 0
	}
	if v >= now {
		return nil, now
	}
	out := make(map[string]int64, now-v)
	for _, k := range t.changes[v:] {
		out[k] = t.m[k]
	}
	return out, now
}

// Snapshot copies the whole table (for tests and diagnostics).
func (t *Offsets) Snapshot() map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.m)
}
