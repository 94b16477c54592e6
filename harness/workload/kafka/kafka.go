// Package kafka is the harness's `-w kafka` workload: a Kafka-style
// replicated log with send, poll, commit_offsets and list_committed_offsets
// RPCs over string keys.
//
// It matches Maelstrom's src/maelstrom/workload/kafka.clj, which runs
// Jepsen's jepsen/src/jepsen/tests/kafka.clj with txn? false,
// sub-via #{:assign} and crash-clients? true:
//
//   - the client (client.go) keeps local poll offsets, assigns keys using
//     the committed offsets, commits after each poll and is replaced by a
//     fresh client (new id, new process) after a crash;
//   - the generator (generator.go) follows Elle's wr-txns key rotation
//     (--max-writes-per-key), Jepsen's interleave-subscribes, poll-unseen,
//     crash-client-gen and final-polls;
//   - the checker (checker.go) follows the analysis of jepsen.tests.kafka
//     for single-send and single-poll operations.
//
// History values have the shape Maelstrom records (see testdata/real):
//
//	invoke [["send", "9", 3]]        ok [["send", "9", [2, 3]]]
//	invoke [["poll"]]                ok [["poll", {"9": [[0, 1], [1, 2]]}]]
//	assign ["9", "7"]                crash nil (completes as info)
package kafka

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// Defaults from Maelstrom's CLI (src/maelstrom/core.clj) and Elle's wr-txns.
const (
	defaultKeyCount        = 10 // Elle's default for the exponential key distribution
	defaultMaxWritesPerKey = 16 // Maelstrom's --max-writes-per-key default
	// FinalTimeLimit clips the final phase, as kafka.clj's (gen/time-limit 10).
	FinalTimeLimit = 10 * time.Second
)

// kafkaWorkload bundles generator, client and checker for one test.
type kafkaWorkload struct {
	opts  workload.Options
	gen   *mainGen
	state *sharedState
}

// New builds the kafka workload. Only keys, writes-per-key, concurrency,
// rate and the random source are read from opts.
func New(opts workload.Options) (workload.Workload, error) {
	if opts.Rand == nil {
		return nil, errors.New("kafka: Options.Rand is required")
	}
	if opts.KeyCount < 0 || opts.MaxWritesPerKey < 0 {
		return nil, errors.New("kafka: key-count and max-writes-per-key must be positive")
	}
	st := &sharedState{maxOffsets: map[int64]int64{}}
	return &kafkaWorkload{opts: opts, gen: newMainGen(opts, st), state: st}, nil
}

func (w *kafkaWorkload) Setup(ctx context.Context, open func() workload.Conn) error { return nil }

func (w *kafkaWorkload) Generator() workload.Generator { return w.gen }

// Final returns kafka.clj's final phase: every worker crashes its client,
// assigns every key seen so far from offset 0 and polls until it has read up
// to the highest offset known at the end of the main phase; clipped to 10 s.
// finalPollStagger is the mean gap between a thread's final polls
// (jepsen.tests.kafka final-polls: gen/stagger 1/5).
const finalPollStagger = 200 * time.Millisecond

func (w *kafkaWorkload) Final() *workload.Final {
	return &workload.Final{Generator: newFinalGen(w.state), TimeLimit: FinalTimeLimit, Stagger: finalPollStagger}
}

func (w *kafkaWorkload) NewClient(conn workload.Conn, wk workload.Worker, rng *rand.Rand) workload.Client {
	w.gen.clientsObserve.Store(true) // the client observes its own ok ops
	return &Client{conn: conn, node: wk.Node, offsets: map[string]int64{}, track: w.state}
}

func (w *kafkaWorkload) Check(h history.History) check.Result { return Check(h) }

// CheckSource makes the workload a workload.SourceChecker: the runner
// keeps no history for it, and the checker reads history.jsonl op by op.
func (w *kafkaWorkload) CheckSource(src history.Source) (check.Result, error) {
	return CheckSource(src)
}

// CheckSourceSharing makes the workload a workload.PassSharer: also is
// handed every op of the checker's pass over the history.
func (w *kafkaWorkload) CheckSourceSharing(src history.Source, also func(o *history.Op, value []byte) error) (check.Result, error) {
	return checkSource(src, also)
}
