// Package counter holds the g-counter and pn-counter workloads, matching
// Maelstrom's src/maelstrom/workload/g_counter.clj and pn_counter.clj: the
// clients add deltas to one shared counter and read it; after the nemesis
// heals, every client thread does one final read, and the checker demands
// that each final read be a sum the history allows.
package counter

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// addRequest and readRequest are the bodies Maelstrom's add! and read RPCs
// send; readReply is read_ok.
type addRequest struct {
	Type  string `json:"type"`
	Delta int64  `json:"delta"`
}

type readRequest struct {
	Type string `json:"type"`
}

type readReply struct {
	Value *int64 `json:"value"`
}

// Workload is a g-counter or pn-counter test.
type Workload struct {
	opts     workload.Options
	negative bool // pn-counter: deltas may be negative
}

// NewGCounter builds the g-counter workload: adds of 0..4, as g_counter.clj
// filters the negative adds out of pn-counter's generator.
func NewGCounter(opts workload.Options) (workload.Workload, error) {
	return newWorkload(opts, false)
}

// NewPNCounter builds the pn-counter workload: adds of -5..4.
func NewPNCounter(opts workload.Options) (workload.Workload, error) {
	return newWorkload(opts, true)
}

func newWorkload(opts workload.Options, negative bool) (*Workload, error) {
	if opts.Rand == nil {
		return nil, fmt.Errorf("counter: options need a random source")
	}
	return &Workload{opts: opts, negative: negative}, nil
}

// Setup does nothing: the counter starts at zero.
func (w *Workload) Setup(ctx context.Context, open func() workload.Conn) error { return nil }

// Generator mixes adds and reads evenly, as pn_counter.clj's gen/mix does;
// for g-counter the negative adds are dropped and drawn again (gen/filter),
// which leaves about one add for every two reads, as in Maelstrom's runs.
func (w *Workload) Generator() workload.Generator {
	rng := w.opts.Rand
	return workload.GeneratorFunc(func(_ workload.Worker, _ *history.Op) (history.Op, bool) {
		for {
			if rng.IntN(2) == 0 {
				return history.Op{F: "read"}, true
			}
			delta := int64(rng.IntN(10) - 5)
			if delta < 0 && !w.negative {
				continue
			}
			return history.Op{F: "add", Value: delta}, true
		}
	})
}

// Final is one read per client thread (gen/each-thread in pn_counter.clj).
func (w *Workload) Final() *workload.Final {
	return workload.EachThreadOnce(history.Op{F: "read", Final: true})
}

// NewClient makes a client that talks to the worker's node.
func (w *Workload) NewClient(conn workload.Conn, wk workload.Worker, _ *rand.Rand) workload.Client {
	return &client{conn: conn, node: wk.Node}
}

// Check runs the acceptable-sum checker.
func (w *Workload) Check(h history.History) check.Result { return Check(h) }

type client struct {
	conn workload.Conn
	node string
}

// Invoke performs one add or read. pn_counter.clj's client does not use
// with-errors, so every error (definite or not) surfaces as an exception,
// which Jepsen records as info; we do the same, keeping the error as
// workload.Complete names it.
func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	var (
		value any
		err   error
	)
	switch op.F {
	case "add":
		delta, ok := history.AsInt(op.Value)
		if !ok {
			err = fmt.Errorf("add without an integer delta: %v", op.Value)
			break
		}
		_, err = c.conn.RPC(ctx, c.node, addRequest{Type: "add", Delta: delta})
		value = delta
	case "read":
		var raw json.RawMessage
		raw, err = c.conn.RPC(ctx, c.node, readRequest{Type: "read"})
		if err == nil {
			var r readReply
			if err = json.Unmarshal(raw, &r); err == nil && r.Value == nil {
				err = fmt.Errorf("read_ok without an integer value: %s", raw)
			}
			if err == nil {
				value = *r.Value
			}
		}
	default:
		err = fmt.Errorf("unknown op %q", op.F)
	}
	if err != nil {
		value = op.Value
	}
	out := workload.Complete(op, value, err, false)
	if out.Type == history.Fail {
		out.Type = history.Info
	}
	return out
}
