// Package gset is Maelstrom's g-set workload
// (src/maelstrom/workload/g_set.clj): clients add unique integers to one
// grow-only set and read the whole set; after the nemesis heals, every
// client thread reads once more, and Jepsen's set-full checker (package
// setfull, add as its add) judges the result.
package gset

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/workload"
	"glomers/harness/workload/setfull"
)

// The bodies of g_set.clj's defrpcs: add {element} -> add_ok, read ->
// read_ok {value: [elements]}. (Its doc string speaks of an `elements` key;
// the schema, which Maelstrom enforces, says `value`.)
type (
	addReq struct {
		Type    string `json:"type"`
		Element any    `json:"element"`
	}
	readReq struct {
		Type string `json:"type"`
	}
	readResp struct {
		Value json.RawMessage `json:"value"`
	}
)

// Workload is the g-set workload for one test.
type Workload struct {
	rng *rand.Rand
}

// New builds the workload; g-set takes none of the optional flags.
func New(opts workload.Options) (workload.Workload, error) {
	rng := opts.Rand
	if rng == nil {
		rng = rand.New(rand.NewPCG(1, 2))
	}
	return &Workload{rng: rng}, nil
}

// Setup does nothing: the set starts empty.
func (w *Workload) Setup(context.Context, func() workload.Conn) error { return nil }

// Generator is g_set.clj's (gen/mix [adds reads]): with equal odds, an add
// of the next integer (0, 1, 2, ...) or a read.
func (w *Workload) Generator() workload.Generator {
	return workload.AddsOfNextIntegerOrReads(w.rng, "add")
}

// Final is (gen/each-thread {:f :read}); unlike the counters' final reads,
// g_set.clj does not mark them :final?.
func (w *Workload) Final() *workload.Final {
	return workload.EachThreadOnce(history.Op{F: "read"})
}

// NewClient makes a client talking to the worker's node.
func (w *Workload) NewClient(conn workload.Conn, wk workload.Worker, _ *rand.Rand) workload.Client {
	return &client{conn: conn, node: wk.Node}
}

// Check runs set-full as g_set.clj calls it: (checker/set-full), adds
// named add, not linearizable.
func (w *Workload) Check(h history.History) check.Result { return Checker().Check(h) }

// Checker is the checker Maelstrom uses for this workload.
func Checker() setfull.Checker { return setfull.Checker{AddF: "add"} }

type client struct {
	conn workload.Conn
	node string
}

// Invoke performs one add or read. g_set.clj's client has no with-errors,
// so every failure (an error reply, a timeout, a reply that breaks the
// schema) is an exception, which Jepsen records as info; so do we, keeping
// the error as workload.Complete names it.
func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	var (
		value = op.Value
		err   error
	)
	switch op.F {
	case "add":
		_, err = c.conn.RPC(ctx, c.node, addReq{Type: "add", Element: op.Value})
	case "read":
		value, err = c.read(ctx)
	default:
		err = fmt.Errorf("unknown f %q", op.F)
	}
	out := workload.Complete(op, value, err, false)
	if out.Type == history.Fail {
		out.Type = history.Info
	}
	return out
}

func (c *client) read(ctx context.Context) (any, error) {
	raw, err := c.conn.RPC(ctx, c.node, readReq{Type: "read"})
	if err != nil {
		return nil, err
	}
	var resp readResp
	if err := json.Unmarshal(raw, &resp); err != nil {
		return nil, fmt.Errorf("malformed read_ok: %w", err)
	}
	v, err := history.DecodeJSON(resp.Value)
	if err != nil {
		return nil, fmt.Errorf("malformed read_ok value %s: %w", resp.Value, err)
	}
	if _, ok := v.([]any); !ok {
		return nil, fmt.Errorf("read_ok value is not a list: %s", resp.Value)
	}
	return v, nil
}
