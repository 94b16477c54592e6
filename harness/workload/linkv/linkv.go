// Package linkv is the lin-kv workload of Maelstrom's
// src/maelstrom/workload/lin_kv.clj: read, write and cas on independent
// integer keys, each key a compare-and-set register checked for
// linearizability on its own (Jepsen's jepsen/tests/linearizable_register.clj
// wrapped in jepsen/independent.clj), here with porcupine instead of knossos.
package linkv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// Request and reply bodies of lin_kv.clj's read, write! and cas! RPCs.
type readRequest struct {
	Type string `json:"type"`
	Key  any    `json:"key"`
}

type readReply struct {
	Value any `json:"value"`
}

type writeRequest struct {
	Type  string `json:"type"`
	Key   any    `json:"key"`
	Value any    `json:"value"`
}

type casRequest struct {
	Type string `json:"type"`
	Key  any    `json:"key"`
	From any    `json:"from"`
	To   any    `json:"to"`
}

// RequestTimeout is the floor of lin_kv.clj's client timeout,
// max(10 × mean latency, 1 s).
const RequestTimeout = time.Second

// requestTimeout is lin_kv.clj's client timeout for a mean latency.
func requestTimeout(latency time.Duration) time.Duration {
	return max(10*latency, RequestTimeout)
}

// DefaultPerKeyLimit bounds the operations on one key. Maelstrom passes no
// :per-key-limit to linearizable_register.clj, so there a key changes only
// when 20 distinct processes (process-limit) have used it; bounding the
// ops too keeps every key's linearizability check small.
const DefaultPerKeyLimit = 100

// processLimit is linearizable_register.clj's default :process-limit.
const processLimit = 20

// Workload is one lin-kv test.
type Workload struct {
	opts        workload.Options
	perKeyLimit int
	checker     Checker
}

// NewLinKV builds the workload. Jepsen's concurrent generator gives each
// key a group of 2 × node-count threads and refuses a concurrency that is
// not a multiple of that; we accept any concurrency (a smaller one makes a
// single group, extra threads join the last group) so that the challenge
// commands' defaults run.
func NewLinKV(opts workload.Options) (workload.Workload, error) {
	if opts.Rand == nil {
		return nil, errors.New("lin-kv: options need a random source")
	}
	if len(opts.Nodes) == 0 || opts.Concurrency <= 0 {
		return nil, errors.New("lin-kv: need nodes and a positive concurrency")
	}
	return &Workload{opts: opts, perKeyLimit: DefaultPerKeyLimit}, nil
}

// Setup does nothing: every key starts absent.
func (w *Workload) Setup(ctx context.Context, open func() workload.Conn) error { return nil }

// Final returns nil: lin-kv has no final phase.
func (w *Workload) Final() *workload.Final { return nil }

// Check checks every key's register for linearizability with the default
// per-key budget.
func (w *Workload) Check(h history.History) check.Result { return w.checker.Check(h) }

// Generator is jepsen.independent's concurrent-generator over keys 0, 1,
// 2, ... with linearizable_register.clj's per-key generator: within a
// group, the first half of the threads read (gen/reserve) and the rest mix
// a write and two cas (values 0..4); a group moves to the next free key
// once its key had its ops (the per-key limit, randomised down by up to
// 10% so that keys drift apart) or was used by 20 processes.
func (w *Workload) Generator() workload.Generator {
	return newGenerator(w.opts, w.perKeyLimit)
}

type keyState struct {
	key       int64
	limit     int
	ops       int
	processes map[int]bool
}

type generator struct {
	rng       *rand.Rand
	groupSize int
	groups    []*keyState
	nextKey   int64
	perKey    int
}

func newGenerator(opts workload.Options, perKey int) *generator {
	size := min(2*len(opts.Nodes), opts.Concurrency)
	g := &generator{rng: opts.Rand, groupSize: size, perKey: perKey}
	g.groups = make([]*keyState, opts.Concurrency/size)
	for i := range g.groups {
		g.groups[i] = g.newKey()
	}
	return g
}

func (g *generator) newKey() *keyState {
	k := &keyState{key: g.nextKey, processes: map[int]bool{}}
	k.limit = int(float64(g.perKey) * (0.9 + 0.1*g.rng.Float64()))
	g.nextKey++
	return k
}

func (g *generator) Next(w workload.Worker, _ *history.Op) (history.Op, bool) {
	group := min(w.Thread/g.groupSize, len(g.groups)-1)
	k := g.groups[group]
	if k.ops >= k.limit || (!k.processes[w.Process] && len(k.processes) >= processLimit) {
		k = g.newKey()
		g.groups[group] = k
	}
	k.ops++
	k.processes[w.Process] = true
	rank := w.Thread - group*g.groupSize
	if rank < g.groupSize/2 || g.groupSize == 1 && g.rng.IntN(2) == 0 {
		return history.Op{F: "read", Value: []any{k.key, nil}}, true
	}
	switch g.rng.IntN(3) {
	case 0:
		return history.Op{F: "write", Value: []any{k.key, g.rng.Int64N(5)}}, true
	default:
		return history.Op{F: "cas", Value: []any{k.key, []any{g.rng.Int64N(5), g.rng.Int64N(5)}}}, true
	}
}

// NewClient makes a client for the worker's node.
func (w *Workload) NewClient(conn workload.Conn, wk workload.Worker, _ *rand.Rand) workload.Client {
	return &client{conn: conn, node: wk.Node, timeout: requestTimeout(w.opts.Latency)}
}

type client struct {
	conn    workload.Conn
	node    string
	timeout time.Duration
}

// Invoke performs one op as lin_kv.clj's client does inside
// maelstrom.client/with-errors with reads idempotent: a read that fails
// in any way is a fail; a write or cas is a fail only on a definite error
// (20 key-does-not-exist, 22 precondition-failed, ...) and info otherwise.
func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	kv, ok := history.AsList(op.Value)
	if !ok || len(kv) != 2 {
		return workload.Complete(op, nil, fmt.Errorf("value is not [key value]: %v", op.Value), op.F == "read")
	}
	k, v := kv[0], kv[1]
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var (
		raw   json.RawMessage
		err   error
		value = op.Value
	)
	switch op.F {
	case "read":
		raw, err = c.conn.RPC(ctx, c.node, readRequest{Type: "read", Key: k})
		if err == nil {
			var r readReply
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err = dec.Decode(&r); err == nil {
				value = []any{k, history.Normalize(r.Value)}
			}
		}
	case "write":
		_, err = c.conn.RPC(ctx, c.node, writeRequest{Type: "write", Key: k, Value: v})
	case "cas":
		fromTo, ok := history.AsList(v)
		if !ok || len(fromTo) != 2 {
			err = fmt.Errorf("cas value is not [from to]: %v", v)
			break
		}
		_, err = c.conn.RPC(ctx, c.node, casRequest{Type: "cas", Key: k, From: fromTo[0], To: fromTo[1]})
	default:
		err = fmt.Errorf("unknown op %q", op.F)
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, workload.ErrTimeout) {
		// Our own deadline ended the call: that is the client timeout.
		err = fmt.Errorf("%w: %w", workload.ErrTimeout, err)
	}
	return workload.Complete(op, value, err, op.F == "read")
}
