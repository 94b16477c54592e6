package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
)

// Set is one replica of a grow-only set, a state-based CRDT: its state is
// the set of elements, and merging two states is their union. Elements
// are JSON values, equal when their compact JSON text is.
type Set struct {
	mu      sync.Mutex
	elems   map[string]json.RawMessage // compact text -> element
	version uint64                     // grows with every element added here
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{elems: map[string]json.RawMessage{}} }

// Add adds one element, given as JSON.
func (s *Set) Add(elem json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, elem); err != nil {
		return fmt.Errorf("element is not JSON: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addLocked(buf.Bytes()) {
		s.version++
	}
	return nil
}

func (s *Set) addLocked(compact []byte) bool {
	if _, ok := s.elems[string(compact)]; ok {
		return false
	}
	s.elems[string(compact)] = json.RawMessage(compact)
	return true
}

// Elements returns the elements, in no particular order.
func (s *Set) Elements() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]json.RawMessage, 0, len(s.elems))
	for _, e := range s.elems {
		out = append(out, e)
	}
	return out
}

// Snapshot is the element list and the version (crdt.State).
func (s *Set) Snapshot() (any, uint64) {
	elems := s.Elements()
	s.mu.Lock()
	defer s.mu.Unlock()
	return elems, s.version
}

// Merge adds every element of a peer's element list (crdt.State). The
// peer's set covers the union exactly when it is as large. Merged elements
// leave the version alone: the node that added them sends them to every
// node itself (see crdt.State).
func (s *Set) Merge(peerState json.RawMessage) (bool, uint64, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(peerState, &elems); err != nil {
		return false, 0, fmt.Errorf("state is not a list of elements: %w", err)
	}
	theirs := make(map[string]bool, len(elems))
	compact := make([][]byte, 0, len(elems))
	for _, e := range elems {
		var buf bytes.Buffer
		if err := json.Compact(&buf, e); err != nil {
			return false, 0, err
		}
		theirs[buf.String()] = true
		compact = append(compact, buf.Bytes())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range compact {
		s.addLocked(c)
	}
	return len(theirs) == len(s.elems), s.version, nil
}
