package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
)

// TS is a Lamport timestamp made unique by the writing node's index. Every
// write of one transaction carries the transaction's timestamp; replicas
// keep, per key, the write with the highest timestamp (last writer wins),
// so they converge whatever order replication delivers writes in.
type TS struct {
	C uint64 `json:"c"`
	N int    `json:"n"`
}

// Less orders timestamps by counter, then node.
func (t TS) Less(o TS) bool { return t.C < o.C || (t.C == o.C && t.N < o.N) }

// Mop is one micro-operation: ["r", k, v] or ["w", k, v]. Keys and values
// are kept as decoded JSON (json.Number for numbers) and returned
// unchanged.
type Mop [3]any

// Write is a transaction's final write of one key, as replicated.
type Write struct {
	Key   any `json:"k"`
	Value any `json:"v"`
	TS    TS  `json:"ts"`
}

type entry struct {
	value any
	ts    TS
}

// Store is one node's copy of the registers. Execute runs a whole
// transaction under the store's lock, so no other transaction on this node
// sees its intermediate writes (no G1b) or runs between its micro-ops; and
// since a node only ever learns of another node's transactions after they
// committed there, no two transactions can each observe the other (no
// G1c), and writes-follow-reads versions always go up in timestamp order
// (no write cycles, no cyclic versions). Transactions never abort, so there
// is nothing to read from an aborted one (no G1a). That is read committed,
// and a fortiori read uncommitted, with total availability.
type Store struct {
	mu    sync.Mutex
	node  int
	clock uint64
	data  map[string]entry
}

// NewStore makes the store of the node with the given index.
func NewStore(node int) *Store {
	return &Store{node: node, data: map[string]entry{}}
}

// keyString is a map key for a JSON key: numbers by their literal, strings
// quoted (so "1" and 1 stay apart).
func keyString(k any) string {
	switch x := k.(type) {
	case json.Number:
		return x.String()
	case string:
		return fmt.Sprintf("%q", x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// Execute runs txn and returns it with reads filled in, and the
// transaction's final write of each key, stamped with a fresh timestamp.
func (s *Store) Execute(txn []Mop) ([]Mop, []Write) {
	out := make([]Mop, len(txn))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock++
	ts := TS{C: s.clock, N: s.node}
	var writes []Write
	final := map[string]int{} // key -> index into writes
	for i, m := range txn {
		k := keyString(m[1])
		if m[0] == "r" {
			var v any
			if e, ok := s.data[k]; ok {
				v = e.value
			}
			out[i] = Mop{"r", m[1], v}
			continue
		}
		s.data[k] = entry{value: m[2], ts: ts}
		out[i] = m
		if j, ok := final[k]; ok {
			writes[j].Value = m[2]
		} else {
			final[k] = len(writes)
			writes = append(writes, Write{Key: m[1], Value: m[2], TS: ts})
		}
	}
	return out, writes
}

// Apply merges replicated writes: each replaces the local value of its key
// if its timestamp is higher. The clock moves past every timestamp seen, so
// a later local write always wins over what it may have read.
func (s *Store) Apply(ws []Write) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range ws {
		if w.TS.C > s.clock {
			s.clock = w.TS.C
		}
		k := keyString(w.Key)
		if e, ok := s.data[k]; !ok || e.ts.Less(w.TS) {
			s.data[k] = entry{value: w.Value, ts: w.TS}
		}
	}
}

// Snapshot returns every key's value, keyed by keyString, for tests.
func (s *Store) Snapshot() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]any, len(s.data))
	for k, e := range s.data {
		out[k] = e.value
	}
	return out
}

// decodeTxn reads a txn request's micro-ops, keeping numbers exact.
func decodeTxn(body []byte) ([]Mop, error) {
	var req struct {
		Txn []json.RawMessage `json:"txn"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	if req.Txn == nil {
		return nil, fmt.Errorf("txn is missing")
	}
	out := make([]Mop, len(req.Txn))
	for i, raw := range req.Txn {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var m []any
		if err := dec.Decode(&m); err != nil || len(m) != 3 {
			return nil, fmt.Errorf("micro-op %d is not [f, k, v]: %s", i, raw)
		}
		if m[0] != "r" && m[0] != "w" {
			return nil, fmt.Errorf("micro-op %d has unknown function %v", i, m[0])
		}
		out[i] = Mop{m[0], m[1], m[2]}
	}
	return out, nil
}
