// Package workload defines what the runner needs from a workload: a
// generator of operations, a client that turns an operation into RPCs, an
// optional final phase, and a checker. Each workload lives in a package of
// its own below this one (schema, client, generator and checker side by
// side, as in Maelstrom's src/maelstrom/workload/*.clj); the runner knows
// nothing of any one workload.
package workload

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"glomers/harness/check"
	"glomers/harness/history"
)

// Options are the test's settings a workload may read. They mirror
// Maelstrom's CLI options (src/maelstrom/core.clj).
type Options struct {
	Nodes             []string // n0, n1, ...
	Concurrency       int      // number of client threads
	Rate              float64  // total requests per second (0: none)
	TimeLimit         time.Duration
	Latency           time.Duration // mean network latency (--latency)
	KeyCount          int           // 0: the workload's default
	MaxTxnLength      int           // default 4
	MaxWritesPerKey   int           // default 16
	Topology          string
	ConsistencyModels []string // Maelstrom names, e.g. read-committed
	// Rand is the seeded generator source. Generators are only ever called
	// from one goroutine at a time, so they may use it freely.
	Rand *rand.Rand
	// Args are the extra arguments passed to node binaries (some workloads
	// record them; most ignore them).
	Args []string
}

// Worker identifies one client thread, as Jepsen's worker does.
type Worker struct {
	Thread  int    // 0..concurrency-1, fixed for the test
	Process int    // Jepsen process: Thread at first, + concurrency after each crash
	Node    string // the server node this thread talks to (Nodes[Thread % len])
}

// ErrTimeout is wrapped by Conn.RPC's error when no reply came in time
// (Maelstrom's client read timeout, recorded as :net-timeout).
var ErrTimeout = errors.New("client read timeout")

// DefaultRPCTimeout is Maelstrom's client default-timeout (client.clj).
const DefaultRPCTimeout = 5 * time.Second

// Conn is one client's connection to the simulated network (a Maelstrom
// client node c0, c1, ...): it carries one request at a time.
type Conn interface {
	// ID is the client's node id.
	ID() string
	// RPC sends body (a struct or map with a "type" field; msg_id is filled
	// in) to dest and waits for the reply. It waits at most
	// DefaultRPCTimeout, or less if ctx ends first. An error reply returns a
	// *errcode.Error; no reply returns an error wrapping ErrTimeout. body
	// is not used once RPC has returned, so the caller may change it then.
	RPC(ctx context.Context, dest string, body any) (json.RawMessage, error)
}

// BodyAppender is a request body that writes its own JSON: RPC appends it
// to the message it builds instead of calling json.Marshal (reflection,
// then a copy to add msg_id; a measurable share of the harness's CPU per
// message). AppendJSONBody must append exactly what json.Marshal(body)
// would write, or return false (then RPC uses json.Marshal, which also
// reports what cannot be encoded).
type BodyAppender interface {
	AppendJSONBody(b []byte) ([]byte, bool)
}

// Client performs operations for one worker. A new Client (on a new Conn)
// is made whenever the worker's process crashes, that is after every info
// completion, as Jepsen does.
type Client interface {
	// Invoke performs op (an invocation) and returns its completion: a copy
	// of op with Type set to OK, Fail or Info and Value and Error filled in.
	Invoke(ctx context.Context, op history.Op) history.Op
}

// Generator yields operations. The runner calls it from one goroutine at a
// time, so implementations need no locking.
type Generator interface {
	// Next returns the next invocation for worker w (only F, Value and
	// Final matter; the runner fills in the rest). prev is that worker's
	// previous completion in this phase, nil for its first op. ok is false
	// when the generator has nothing more for w.
	Next(w Worker, prev *history.Op) (op history.Op, ok bool)
}

// GeneratorFunc adapts a function to Generator.
type GeneratorFunc func(w Worker, prev *history.Op) (history.Op, bool)

// Next calls f.
func (f GeneratorFunc) Next(w Worker, prev *history.Op) (history.Op, bool) { return f(w, prev) }

// Final is a workload's final phase, run after the nemesis heals and the
// network has had time to recover. Its generator is run by every worker
// concurrently, without rate limit, until it returns false for that worker
// or TimeLimit (if non-zero) passes.
type Final struct {
	Generator Generator
	TimeLimit time.Duration
	// Stagger, when set, spaces each worker's final ops by gaps drawn
	// uniformly from [0, 2*Stagger), as Jepsen's gen/stagger does (kafka's
	// final polls use a mean of 200 ms).
	Stagger time.Duration
}

// Workload is one workload configured for one test.
type Workload interface {
	// Setup runs once after every node answered init, before the first
	// operation; open makes a new client connection.
	Setup(ctx context.Context, open func() Conn) error
	// Generator is the main phase's generator; the runner paces it at
	// --rate and stops it at --time-limit.
	Generator() Generator
	// Final returns the final phase, or nil when the workload has none.
	Final() *Final
	// NewClient makes a client for worker w. rng is the worker's own
	// random source.
	NewClient(conn Conn, w Worker, rng *rand.Rand) Client
	// Check analyses a history (pure: no processes, no clocks).
	Check(h history.History) check.Result
}

// SourceChecker is a workload whose checker reads the history op by op
// (history.Source) and keeps only what its analysis needs, instead of
// holding the whole history (kafka: every final poll returns the whole log).
// For such a workload the runner keeps no ops in memory: it streams them to
// history.jsonl and hands the checker that file. Check must give the same
// result on the same ops.
type SourceChecker interface {
	CheckSource(src history.Source) (check.Result, error)
}

// PassSharer is a SourceChecker whose pass over the history can
// carry another fold: the runner folds the analyses every test shares
// (report.SharedFold) in it, so a stored history is read once less.
// CheckSourceSharing is CheckSource that also hands also every op of
// that pass, in order, nemesis ops included: with its value as stored
// JSON when src is a history.RawSource (o.Value nil), nil otherwise
// (o.Value holds it). An error from also ends the check with it.
type PassSharer interface {
	SourceChecker
	CheckSourceSharing(src history.Source, also func(o *history.Op, value []byte) error) (check.Result, error)
}

// Visualizer is a checker result that can draw pictures of what it found
// (lin-kv's porcupine pages); the runner calls it with the store directory
// before results.json is written, so the result can name the files.
type Visualizer interface {
	WriteVisualizations(dir string) ([]string, error)
}

// Factory builds a workload from the test's options; it returns an error
// for options the workload cannot accept.
type Factory func(opts Options) (Workload, error)

// AddsOfNextIntegerOrReads is the (gen/mix [adds reads]) generator of
// broadcast.clj and g_set.clj: with equal odds, op f ("broadcast", "add")
// of the next integer (0, 1, 2, ...) or a read.
func AddsOfNextIntegerOrReads(rng *rand.Rand, f string) Generator {
	next := int64(0)
	return GeneratorFunc(func(Worker, *history.Op) (history.Op, bool) {
		if rng.IntN(2) == 0 {
			v := next
			next++
			return history.Op{F: f, Value: v}, true
		}
		return history.Op{F: "read"}, true
	})
}

// EachThreadOnce is a final phase of one op per client thread, Jepsen's
// (gen/each-thread op): the final reads of broadcast, g-set and the
// counters.
func EachThreadOnce(op history.Op) *Final {
	done := map[int]bool{}
	return &Final{Generator: GeneratorFunc(func(w Worker, _ *history.Op) (history.Op, bool) {
		if done[w.Thread] {
			return history.Op{}, false
		}
		done[w.Thread] = true
		return op, true
	})}
}
