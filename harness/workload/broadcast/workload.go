// Package broadcast is Maelstrom's broadcast workload
// (src/maelstrom/workload/broadcast.clj): nodes receive a `topology`
// message at the start, then a random mix of `broadcast` (unique integers)
// and `read` operations, and a final `read` on every client thread; the
// result is judged by Jepsen's set-full checker with `broadcast` as its add
// (package setfull).
package broadcast

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"golang.org/x/sync/errgroup"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/workload"
	"glomers/harness/workload/setfull"
)

// Request and response bodies, as broadcast.clj's defrpc schemas define
// them.
type (
	topologyReq struct {
		Type     string              `json:"type"`
		Topology map[string][]string `json:"topology"`
	}
	broadcastReq struct {
		Type    string `json:"type"`
		Message any    `json:"message"`
	}
	readReq struct {
		Type string `json:"type"`
	}
	readResp struct {
		Messages json.RawMessage `json:"messages"`
	}
)

// Workload is the broadcast workload for one test.
type Workload struct {
	nodes    []string
	topology map[string][]string
	rng      *rand.Rand
}

// New builds the workload; it fails for a topology Maelstrom does not offer.
func New(opts workload.Options) (workload.Workload, error) {
	topo, err := Topology(opts.Topology, opts.Nodes)
	if err != nil {
		return nil, err
	}
	rng := opts.Rand
	if rng == nil {
		rng = rand.New(rand.NewPCG(1, 2))
	}
	return &Workload{nodes: opts.Nodes, topology: topo, rng: rng}, nil
}

// Setup sends the whole topology map to every node, each from a client of
// its own, concurrently: Jepsen opens one client per node and calls the
// client's setup!, which is broadcast.clj's topology! RPC (jepsen core.clj,
// with-client+nemesis-setup-teardown). A failed or timed-out topology RPC
// aborts the test, as the exception does there.
func (w *Workload) Setup(ctx context.Context, open func() workload.Conn) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, n := range w.nodes {
		conn := open()
		g.Go(func() error {
			_, err := conn.RPC(ctx, n, topologyReq{Type: "topology", Topology: w.topology})
			if err != nil {
				return fmt.Errorf("topology to %s: %w", n, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// Generator is broadcast.clj's (gen/mix [broadcasts reads]): each operation
// is, with equal odds, a broadcast of the next integer (0, 1, 2, ...) or a
// read.
func (w *Workload) Generator() workload.Generator {
	return workload.AddsOfNextIntegerOrReads(w.rng, "broadcast")
}

// Final is (gen/each-thread {:f :read, :final? true}): one final read per
// client thread.
func (w *Workload) Final() *workload.Final {
	return workload.EachThreadOnce(history.Op{F: "read", Final: true})
}

// NewClient makes a client talking to the worker's node.
func (w *Workload) NewClient(conn workload.Conn, wk workload.Worker, _ *rand.Rand) workload.Client {
	return &client{conn: conn, node: wk.Node}
}

// Check runs set-full with broadcast as add.
func (w *Workload) Check(h history.History) check.Result {
	return Checker().Check(h)
}

// Checker is the checker Maelstrom uses for this workload.
func Checker() setfull.Checker { return setfull.Checker{AddF: "broadcast"} }

type client struct {
	conn workload.Conn
	node string
}

// Invoke performs one op; reads are idempotent (with-errors op #{:read}).
func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	switch op.F {
	case "broadcast":
		_, err := c.conn.RPC(ctx, c.node, broadcastReq{Type: "broadcast", Message: op.Value})
		return workload.Complete(op, op.Value, err, false)
	case "read":
		raw, err := c.conn.RPC(ctx, c.node, readReq{Type: "read"})
		if err != nil {
			return workload.Complete(op, nil, err, true)
		}
		var resp readResp
		if err := json.Unmarshal(raw, &resp); err != nil {
			return workload.Complete(op, nil, fmt.Errorf("malformed read_ok: %w", err), true)
		}
		var msgs any
		if len(resp.Messages) > 0 {
			if msgs, err = history.DecodeJSON(resp.Messages); err != nil {
				return workload.Complete(op, nil, fmt.Errorf("malformed read_ok: %w", err), true)
			}
		}
		return workload.Complete(op, msgs, nil, true)
	}
	return workload.Complete(op, nil, fmt.Errorf("unknown f %q", op.F), true)
}
