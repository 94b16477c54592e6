package main

import (
	"encoding/json"
	"fmt"
	"sync"
)

// Counter is one replica of a PN-counter, a state-based CRDT: for every
// node, the total of its increments (P) and of its decrements (N), each
// only ever growing. Merging takes each total's maximum; the value is
// ΣP − ΣN. A node changes only its own totals, so replicas that have seen
// the same totals agree, whatever order the merges came in.
type Counter struct {
	id string

	mu      sync.Mutex
	totals  map[string]Totals
	version uint64 // grows with every add made here
}

// Totals are one node's increments and decrements, both non-negative.
type Totals struct {
	P int64 `json:"p"`
	N int64 `json:"n"`
}

// NewCounter returns a zero counter for node id. The id may be set later
// (SetID) but before the first Add.
func NewCounter(id string) *Counter { return &Counter{id: id, totals: map[string]Totals{}} }

// SetID names the node whose totals Add changes.
func (c *Counter) SetID(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.id = id
}

// Add adds delta (of either sign) to this node's totals.
func (c *Counter) Add(delta int64) {
	if delta == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.totals[c.id]
	if delta > 0 {
		t.P += delta
	} else {
		t.N -= delta
	}
	c.totals[c.id] = t
	c.version++
}

// Value is ΣP − ΣN over every node this replica knows of.
func (c *Counter) Value() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var v int64
	for _, t := range c.totals {
		v += t.P - t.N
	}
	return v
}

// Snapshot is a copy of the totals and the version (crdt.State).
func (c *Counter) Snapshot() (any, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]Totals, len(c.totals))
	for k, t := range c.totals {
		out[k] = t
	}
	return out, c.version
}

// Merge takes the maximum of each total (crdt.State). The peer's totals
// cover the result when none of ours is larger. Merges leave the version
// alone: each node sends its own adds to every node itself.
func (c *Counter) Merge(peerState json.RawMessage) (bool, uint64, error) {
	var theirs map[string]Totals
	if err := json.Unmarshal(peerState, &theirs); err != nil {
		return false, 0, fmt.Errorf("state is not a map of totals: %w", err)
	}
	for k, t := range theirs {
		if t.P < 0 || t.N < 0 {
			return false, 0, fmt.Errorf("negative total for %s: %+v", k, t)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, t := range theirs {
		mine := c.totals[k]
		merged := Totals{P: max(mine.P, t.P), N: max(mine.N, t.N)}
		c.totals[k] = merged
	}
	covered := true
	for k, mine := range c.totals {
		if t := theirs[k]; t != mine {
			covered = false
		}
	}
	return covered, c.version, nil
}
