// Package broken is the shared body of the deliberately broken
// txn-list-append nodes the harness tests judge invalid: an in-memory list
// store per node, correct (strict serializable) on one node except for the
// one fault each program switches on.
package broken

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"glomers/node"
)

// Fault is the one thing a broken node gets wrong.
type Fault int

const (
	// IgnoreOwnAppends: a read sees the lists as they were when the
	// transaction began, not its own earlier appends (Elle: internal).
	IgnoreOwnAppends Fault = iota
	// DuplicateAppends: every third append is applied twice (Elle:
	// duplicate-elements).
	DuplicateAppends
	// ReplicateLater: each node applies a transaction to its own lists,
	// answers, and sends the appends to its peers afterwards, which append
	// them when they arrive; nodes then hold the same elements in
	// different orders (Elle: incompatible-order).
	ReplicateLater
)

type replicateBody struct {
	Type    string     `json:"type"`
	Appends [][]string `json:"appends"` // [key, element] as JSON text
}

// Main runs a node with fault until its input ends.
func Main(fault Fault) {
	n := node.NewNode()
	var (
		mu      sync.Mutex
		lists   = map[string][]json.RawMessage{}
		appends int
	)
	n.Handle("txn", func(msg node.Message) error {
		var req struct {
			Txn [][]json.RawMessage `json:"txn"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return node.NewRPCErrorf(node.MalformedRequest, "%v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		start := map[string][]json.RawMessage{}
		for k, l := range lists {
			start[k] = l
		}
		var sent [][]string
		out := make([][]any, 0, len(req.Txn))
		for _, m := range req.Txn {
			if len(m) != 3 {
				return node.NewRPCErrorf(node.MalformedRequest, "micro-op %s", m)
			}
			var f string
			_ = json.Unmarshal(m[0], &f)
			key := string(m[1])
			switch f {
			case "r":
				seen := lists[key]
				if fault == IgnoreOwnAppends {
					seen = start[key]
				}
				out = append(out, []any{f, m[1], append([]json.RawMessage(nil), seen...)})
			case "append":
				lists[key] = append(append([]json.RawMessage(nil), lists[key]...), m[2])
				appends++
				if fault == DuplicateAppends && appends%3 == 0 {
					lists[key] = append(lists[key], m[2])
				}
				sent = append(sent, []string{key, string(m[2])})
				out = append(out, []any{f, m[1], m[2]})
			default:
				return node.NewRPCErrorf(node.MalformedRequest, "f %s", m[0])
			}
		}
		if fault == ReplicateLater && len(sent) > 0 {
			go func() {
				time.Sleep(20 * time.Millisecond)
				for _, p := range n.NodeIDs() {
					if p != n.ID() {
						_ = n.Send(p, replicateBody{Type: "replicate", Appends: sent})
					}
				}
			}()
		}
		return n.Reply(msg, map[string]any{"type": "txn_ok", "txn": out})
	})
	n.Handle("replicate", func(msg node.Message) error {
		var body replicateBody
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		for _, a := range body.Appends {
			if len(a) == 2 {
				lists[a[0]] = append(append([]json.RawMessage(nil), lists[a[0]]...), json.RawMessage(a[1]))
			}
		}
		return nil
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
