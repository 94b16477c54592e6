// Package register is the state machine of the tutorial's key-value
// chapters: a map of registers with Maelstrom's read, write and cas, and
// its error codes. It knows nothing of the network, so each chapter's node
// only decides who applies which request, and in what order.
package register

import (
	"encoding/json"
	"sync"

	"glomers/node"
)

// Request is a lin-kv request body: read {key}, write {key, value} and
// cas {key, from, to}.
type Request struct {
	node.MessageBody
	Key   any `json:"key"`
	Value any `json:"value,omitempty"`
	From  any `json:"from,omitempty"`
	To    any `json:"to,omitempty"`
}

// ReadOK is the reply to a read.
type ReadOK struct {
	node.MessageBody
	Value any `json:"value"`
}

// Map is the registers, safe for concurrent use.
type Map struct {
	mu   sync.Mutex
	vals map[string]any
}

// New returns an empty map.
func New() *Map { return &Map{vals: map[string]any{}} }

// keyOf makes a map key of a JSON key: 1 and "1" stay different keys.
func keyOf(k any) string {
	b, _ := json.Marshal(k)
	return string(b)
}

// Apply runs one request and returns the reply body, or a Maelstrom error
// (20: no such key, 22: cas from a value the register does not hold).
func (m *Map) Apply(req Request) (any, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := keyOf(req.Key)
	cur, ok := m.vals[k]
	switch req.Type {
	case "read":
		if !ok {
			return nil, node.NewRPCErrorf(node.KeyDoesNotExist, "no key %s", k)
		}
		return ReadOK{node.MessageBody{Type: "read_ok"}, cur}, nil
	case "write":
		m.vals[k] = req.Value
		return node.MessageBody{Type: "write_ok"}, nil
	case "cas":
		if !ok {
			return nil, node.NewRPCErrorf(node.KeyDoesNotExist, "no key %s", k)
		}
		if keyOf(cur) != keyOf(req.From) {
			return nil, node.NewRPCErrorf(node.PreconditionFailed, "%s holds %v, not %v", k, cur, req.From)
		}
		m.vals[k] = req.To
		return node.MessageBody{Type: "cas_ok"}, nil
	}
	return nil, node.NewRPCErrorf(node.NotSupported, "unknown request %q", req.Type)
}

// Set stores a value without a request (for replication).
func (m *Map) Set(key, value any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.vals[keyOf(key)] = value
}
