package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Mop is one micro-op of a txn request, as txn_list_append.clj's schema
// has it: ["r", k, null] or ["append", k, v]. Keys and elements may be any
// JSON value; they are kept as their compact JSON text, so that 1 and 1.0
// are different keys, as they are to the checker.
type Mop struct {
	F     string
	Key   string          // compact JSON text of the key
	Value json.RawMessage // the appended element (append only)
}

// Completed is a micro-op as txn_ok returns it: a read carries the list it
// saw (null for a key never appended to), an append its element.
type Completed struct {
	Mop
	Read []json.RawMessage // for reads; nil: the key does not exist
}

// MarshalJSON writes [f, k, v].
func (c Completed) MarshalJSON() ([]byte, error) {
	v := c.Value
	if c.F == "r" {
		if c.Read == nil {
			v = json.RawMessage("null")
		} else {
			b, err := json.Marshal(c.Read)
			if err != nil {
				return nil, err
			}
			v = b
		}
	}
	f, _ := json.Marshal(c.F)
	return []byte(fmt.Sprintf("[%s,%s,%s]", f, c.Key, v)), nil
}

// ParseTxn reads a txn request's micro-ops, rejecting anything the schema
// does not allow.
func ParseTxn(raw json.RawMessage) ([]Mop, error) {
	var ops [][]json.RawMessage
	if err := json.Unmarshal(raw, &ops); err != nil {
		return nil, fmt.Errorf("txn is not a list of micro-ops: %w", err)
	}
	out := make([]Mop, 0, len(ops))
	for i, op := range ops {
		if len(op) != 3 {
			return nil, fmt.Errorf("micro-op %d has %d elements, not 3", i, len(op))
		}
		var f string
		if err := json.Unmarshal(op[0], &f); err != nil || (f != "r" && f != "append") {
			return nil, fmt.Errorf("micro-op %d: f must be \"r\" or \"append\", not %s", i, op[0])
		}
		key, err := compact(op[1])
		if err != nil {
			return nil, fmt.Errorf("micro-op %d: key: %w", i, err)
		}
		m := Mop{F: f, Key: key}
		if f == "append" {
			v, err := compact(op[2])
			if err != nil {
				return nil, fmt.Errorf("micro-op %d: element: %w", i, err)
			}
			m.Value = json.RawMessage(v)
		}
		out = append(out, m)
	}
	return out, nil
}

func compact(raw json.RawMessage) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	if b.Len() == 0 {
		return "", errors.New("missing")
	}
	return b.String(), nil
}

// View is the database as a transaction sees it: List returns a key's list
// (nil when it does not exist). It may fail (a state that cannot be
// fetched).
type View func(key string) ([]json.RawMessage, error)

// Execute runs the micro-ops in order against view, each seeing the
// transaction's own earlier appends, and returns the completed micro-ops
// and the lists it changed (key -> whole new list).
func Execute(txn []Mop, view View) ([]Completed, map[string][]json.RawMessage, error) {
	writes := map[string][]json.RawMessage{}
	get := func(key string) ([]json.RawMessage, error) {
		if l, ok := writes[key]; ok {
			return l, nil
		}
		return view(key)
	}
	done := make([]Completed, len(txn))
	for i, m := range txn {
		cur, err := get(m.Key)
		if err != nil {
			return nil, nil, err
		}
		done[i] = Completed{Mop: m}
		switch m.F {
		case "r":
			done[i].Read = cur
		case "append":
			// A fresh slice: lists are shared with caches and views.
			next := make([]json.RawMessage, len(cur), len(cur)+1)
			copy(next, cur)
			writes[m.Key] = append(next, m.Value)
		}
	}
	return done, writes, nil
}
