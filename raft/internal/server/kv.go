package server

import (
	"encoding/json"

	"glomers/node"
)

// Command is a client operation as it travels in a log entry.
type Command struct {
	Op    string          `json:"op"` // read, write or cas
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value,omitempty"`
	From  json.RawMessage `json:"from,omitempty"`
	To    json.RawMessage `json:"to,omitempty"`
}

// KV is the replicated state machine: lin-kv's map, applied one committed
// command at a time, in log order, on every node alike.
type KV struct {
	m map[string]json.RawMessage // canonical key -> canonical value
}

// NewKV returns an empty map.
func NewKV() *KV { return &KV{m: map[string]json.RawMessage{}} }

// canonical re-encodes JSON so that equal values compare equal as bytes
// (1 and 1.0, or objects with keys in another order).
func canonical(raw json.RawMessage) (string, bool) {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}

// Apply performs a write or cas and returns the reply body for the client
// or the Maelstrom error: 20 for a cas on a missing key, 22 when its from
// does not match (lin_kv.clj).
func (kv *KV) Apply(c Command) (any, error) {
	key, ok := canonical(c.Key)
	if !ok {
		return nil, node.NewRPCErrorf(node.MalformedRequest, "bad key %s", c.Key)
	}
	switch c.Op {
	case "write":
		v, ok := canonical(c.Value)
		if !ok {
			return nil, node.NewRPCErrorf(node.MalformedRequest, "bad value %s", c.Value)
		}
		kv.m[key] = json.RawMessage(v)
		return node.MessageBody{Type: "write_ok"}, nil
	case "cas":
		cur, exists := kv.m[key]
		if !exists {
			return nil, node.NewRPCErrorf(node.KeyDoesNotExist, "key %s does not exist", c.Key)
		}
		from, ok1 := canonical(c.From)
		to, ok2 := canonical(c.To)
		if !ok1 || !ok2 {
			return nil, node.NewRPCError(node.MalformedRequest, "bad from or to")
		}
		if string(cur) != from {
			return nil, node.NewRPCErrorf(node.PreconditionFailed, "expected %s, had %s", from, cur)
		}
		kv.m[key] = json.RawMessage(to)
		return node.MessageBody{Type: "cas_ok"}, nil
	case "read":
		return kv.Read(c.Key)
	}
	return nil, node.NewRPCErrorf(node.NotSupported, "unknown op %q", c.Op)
}

// ReadOK is lin-kv's read reply.
type ReadOK struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// Read returns the value of key, or error 20.
func (kv *KV) Read(rawKey json.RawMessage) (any, error) {
	key, ok := canonical(rawKey)
	if !ok {
		return nil, node.NewRPCErrorf(node.MalformedRequest, "bad key %s", rawKey)
	}
	v, exists := kv.m[key]
	if !exists {
		return nil, node.NewRPCErrorf(node.KeyDoesNotExist, "key %s does not exist", rawKey)
	}
	return ReadOK{Type: "read_ok", Value: v}, nil
}
