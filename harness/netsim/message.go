// Package netsim is the simulated network every party of a test talks
// through: nodes, services and clients. It follows Maelstrom's
// src/maelstrom/net.clj: every message gets a network-wide id and a
// latency drawn from the configured distribution (clients' messages have
// none, so client latency never hides anomalies), partitions are checked
// when a message is due for delivery and drop it silently, and every send
// and receive is journaled; statistics are counted as
// src/maelstrom/net/checker.clj counts them.
package netsim

import (
	"encoding/json"
	"strings"
)

// Message is one network message. Body is kept as raw JSON: the network
// never needs to look inside it. The network numbers messages from 1, so
// an ID of 0 or less is free for a receiver's own signals (the client's
// timeouts).
type Message struct {
	ID   int64           `json:"id"`
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

// IsClient reports whether a node id names a client (c0, c1, ...), as
// Maelstrom's util/client? does: by its first letter.
func IsClient(id string) bool { return strings.HasPrefix(id, "c") }

// InvolvesClient reports whether either end of m is a client.
func (m Message) InvolvesClient() bool { return IsClient(m.Src) || IsClient(m.Dest) }

// Receiver takes delivered messages. Deliver must not block for long: the
// network calls it from its delivery goroutine (a Mailbox makes any
// handler non-blocking).
type Receiver interface {
	Deliver(m Message)
}

// ReceiverFunc adapts a function to Receiver.
type ReceiverFunc func(Message)

// Deliver calls f.
func (f ReceiverFunc) Deliver(m Message) { f(m) }
