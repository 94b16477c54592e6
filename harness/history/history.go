// Package history holds a test's operations in Jepsen's shape: every
// operation is recorded once as an invoke and once as its completion (ok,
// fail or info), in real-time order.
//
// Values are kept in one generic, normalised form so that histories recorded
// by the harness, written as JSON lines, read back, or imported from a real
// Maelstrom store's history.edn all look the same to a checker:
//
//	nil, bool, int64, float64, string, []any, map[string]any
//
// EDN keywords become strings without the colon, EDN sets become []any, and
// map keys become strings. Workload checkers read values through the
// accessors in value.go.
package history

import (
	"sort"
)

// Type is an operation's type, as in Jepsen.
type Type string

const (
	Invoke Type = "invoke"
	OK     Type = "ok"
	Fail   Type = "fail" // the operation definitely did not happen
	Info   Type = "info" // the operation may or may not have happened
)

// NemesisProcess is the process of nemesis operations (Jepsen's :nemesis).
const NemesisProcess = -1

// Op is one history entry.
type Op struct {
	Index   int    `json:"index"`
	Time    int64  `json:"time"` // nanoseconds since the test started
	Type    Type   `json:"type"`
	Process int    `json:"process"`
	F       string `json:"f"`
	Value   any    `json:"value"`
	// Error is set on fail and info completions: Maelstrom records
	// [name text] for RPC errors and "net-timeout" for timeouts.
	Error any `json:"error,omitempty"`
	// Final marks operations of a workload's final phase (Maelstrom's
	// :final? true).
	Final bool `json:"final?,omitempty"`
	// Node is the server node the process talks to; Client is the client
	// id (c4, ...) that carried the operation. Both are informational.
	Node   string `json:"node,omitempty"`
	Client string `json:"client,omitempty"`
}

// IsClient reports whether op belongs to a client process (not the nemesis).
func (o Op) IsClient() bool { return o.Process != NemesisProcess }

// IsInvoke, IsOK, IsFail and IsInfo test the op's type.
func (o Op) IsInvoke() bool { return o.Type == Invoke }
func (o Op) IsOK() bool     { return o.Type == OK }
func (o Op) IsFail() bool   { return o.Type == Fail }
func (o Op) IsInfo() bool   { return o.Type == Info }

// History is a list of operations ordered by index (and so by time).
type History []Op

// Reindex sets every op's Index to its position.
func (h History) Reindex() {
	for i := range h {
		h[i].Index = i
	}
}

// Client returns the ops of client processes, without nemesis ops.
func (h History) Client() History {
	out := make(History, 0, len(h))
	for _, o := range h {
		if o.IsClient() {
			out = append(out, o)
		}
	}
	return out
}

// Filter returns the ops for which keep is true.
func (h History) Filter(keep func(Op) bool) History {
	out := make(History, 0)
	for _, o := range h {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// Pair is an invocation and its completion. Complete is nil when the
// operation never completed (the history ended first); such an operation is
// indeterminate, like an info.
type Pair struct {
	Invoke   Op
	Complete *Op
}

// Outcome is the completion's type, or Info when there is no completion.
func (p Pair) Outcome() Type {
	if p.Complete == nil {
		return Info
	}
	return p.Complete.Type
}

// Pairs matches every client invocation with the next completion of the same
// process, in invocation order. Completions without an invocation (and
// nemesis ops) are skipped.
func (h History) Pairs() []Pair {
	pending := map[int]int{} // process -> index into pairs
	var pairs []Pair
	for _, o := range h {
		if !o.IsClient() {
			continue
		}
		if o.Type == Invoke {
			pending[o.Process] = len(pairs)
			pairs = append(pairs, Pair{Invoke: o})
			continue
		}
		i, ok := pending[o.Process]
		if !ok {
			continue
		}
		c := o
		pairs[i].Complete = &c
		delete(pending, o.Process)
	}
	return pairs
}

// SortByTime orders ops by time, keeping the order of equal times, and
// reindexes them.
func (h History) SortByTime() {
	sort.SliceStable(h, func(i, j int) bool { return h[i].Time < h[j].Time })
	h.Reindex()
}
