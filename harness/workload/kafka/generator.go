package kafka

import (
	"iter"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"glomers/harness/history"
	"glomers/harness/workload"
)

// Probabilities of the main generator.
const (
	// assignP is how often an assign is emitted before an operation: the
	// subscribe-ratio 1/8 of the Jepsen release Maelstrom 0.2.3 ships (the
	// two runs under testdata/real hold 2243 assigns in 17847 ops and 2022
	// in 16428); current Jepsen's interleave-subscribes defaults to 1/64.
	assignP = 1.0 / 8
	// unseenP is poll-unseen's chance of widening an assign with keys that
	// have sent but not yet polled offsets.
	unseenP = 1.0 / 3
	// crashInterval is crash-client-gen's default: each client is crashed
	// about once per this many seconds.
	crashInterval = 30.0
)

// sharedState is what the main phase leaves for the final phase:
// track-key-offsets' map of keys to the highest offset seen in any ok op.
type sharedState struct {
	mu         sync.Mutex
	maxOffsets map[int64]int64
}

func (s *sharedState) observe(op *history.Op) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// op->max-offsets: polls and sends merged with max.
	for k, o := range pollOffsets(op) {
		raise(s.maxOffsets, k, o)
	}
	for k, o := range sendOffsets(op) {
		raise(s.maxOffsets, k, o)
	}
}

// mainGen is the main phase: Elle's wr-txns with one micro-op per
// transaction (a poll or a send, half each), keys drawn from a pool of
// key-count keys with the exponential distribution (later keys more
// likely), each key rotated out for a fresh one after max-writes-per-key
// sends; wrapped in interleave-subscribes (assign), poll-unseen and
// crash-client-gen. Everything random comes from opts.Rand.
type mainGen struct {
	rng       *rand.Rand
	maxWrites int64
	active    []int64
	nextVal   map[int64]int64
	scale     float64
	pending   *history.Op // an op an assign was emitted in front of
	pendKey   int64
	pCrash    float64
	sent      map[int64]int64 // poll-unseen: highest ok sent offset per key
	polled    map[int64]int64 // ... and highest ok polled offset
	touched   []int64         // update's keys, reused
	st        *sharedState
	// clientsObserve is set once the workload has made a client that
	// reports its ok ops to st (every client the runner uses): update
	// then leaves st alone instead of merging each op in a second time.
	clientsObserve atomic.Bool
}

func newMainGen(opts workload.Options, st *sharedState) *mainGen {
	n := opts.KeyCount
	if n == 0 {
		n = defaultKeyCount
	}
	mw := opts.MaxWritesPerKey
	if mw == 0 {
		mw = defaultMaxWritesPerKey
	}
	g := &mainGen{
		rng:       opts.Rand,
		maxWrites: int64(mw),
		nextVal:   map[int64]int64{},
		scale:     2 * (math.Pow(2, float64(n)) - 1), // Elle's key-dist-scale, base 2
		sent:      map[int64]int64{},
		polled:    map[int64]int64{},
		st:        st,
	}
	for i := 0; i < n; i++ {
		g.active = append(g.active, int64(i))
	}
	conc := max(opts.Concurrency, 1)
	if opts.Rate > 0 {
		g.pCrash = float64(conc) / (crashInterval * opts.Rate)
	} else {
		g.pCrash = 1.0 / 1000
	}
	return g
}

// Next yields the next invocation. prev (the worker's last completion) is
// fed to poll-unseen and track-key-offsets first, as Jepsen's update does.
//
// Maelstrom's histories show every key receiving exactly
// max-writes-per-key sends (the Elle of that Maelstrom release), so a key is
// rotated after that many; newer Elle draws a zipf-distributed limit.
func (g *mainGen) Next(w workload.Worker, prev *history.Op) (history.Op, bool) {
	if prev != nil && prev.Type == history.OK {
		g.update(prev)
	}
	if g.rng.Float64() < g.pCrash {
		return history.Op{F: "crash"}, true
	}
	if g.pending == nil {
		op, k := g.fresh()
		g.pending, g.pendKey = &op, k
	}
	if g.rng.Float64() < assignP {
		keys := []int64{g.pendKey}
		if g.rng.Float64() < unseenP && len(g.sent) > 0 {
			extra := make([]int64, 0, len(g.sent))
			for k := range g.sent {
				if k != g.pendKey {
					extra = append(extra, k)
				}
			}
			sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
			keys = append(keys, extra...)
		}
		v := make([]any, len(keys))
		for i, k := range keys {
			v[i] = strconv.FormatInt(k, 10)
		}
		return history.Op{F: "assign", Value: v}, true
	}
	op := *g.pending
	g.pending = nil
	return op, true
}

// fresh draws one wr-txns micro-op and returns it with its key.
func (g *mainGen) fresh() (history.Op, int64) {
	for {
		write := g.rng.IntN(2) == 1
		i := g.keyIndex()
		k := g.active[i]
		if !write {
			return history.Op{F: "poll", Value: []any{[]any{"poll"}}}, k
		}
		v := g.nextVal[k]
		if v == 0 {
			v = 1
		}
		if v > g.maxWrites {
			// Elle's fresh-key: replace k by one past the largest active key.
			delete(g.nextVal, k)
			hi := g.active[0]
			for _, a := range g.active {
				hi = max(hi, a)
			}
			g.active[i] = hi + 1
			continue
		}
		g.nextVal[k] = v + 1
		return history.Op{F: "send", Value: []any{[]any{"send", strconv.FormatInt(k, 10), v}}}, k
	}
}

// keyIndex is Elle's rand-key-i for the exponential distribution, base 2.
func (g *mainGen) keyIndex() int {
	x := g.rng.Float64()*g.scale + 2
	i := int(math.Floor(math.Log2(x) - 1))
	return min(max(i, 0), len(g.active)-1)
}

// update feeds one ok op to poll-unseen (and, unless the clients do, to
// track-key-offsets). poll-unseen forgets a key once its polls have caught
// up with its sends, and never keeps a polled key that has no sends; since
// that holds after every update, only the keys this op touched can break
// it, so only they are looked at (not every key in the two maps, which
// was a measurable share of the harness's CPU per operation).
func (g *mainGen) update(op *history.Op) {
	if !g.clientsObserve.Load() {
		g.st.observe(op)
	}
	g.touched = g.touched[:0]
	for k, o := range sendOffsets(op) {
		raise(g.sent, k, o)
		g.touched = append(g.touched, k)
	}
	for k, o := range pollOffsets(op) {
		raise(g.polled, k, o)
		g.touched = append(g.touched, k)
	}
	for _, k := range g.touched {
		p, polled := g.polled[k]
		if !polled {
			continue
		}
		if s, sent := g.sent[k]; !sent || p >= s {
			delete(g.sent, k)
			delete(g.polled, k)
		}
	}
}

// finalGen is kafka.clj's final-polls run by each thread: crash the
// client, assign every key the main phase saw with offsets from 0, then
// poll until this thread's polls reach the highest offset the main phase
// knew for every key. (Jepsen staggers these polls by about 200 ms; the
// runner's final phase has no pacing, so they run back to back.)
type finalGen struct {
	st      *sharedState
	once    sync.Once
	targets map[int64]int64
	keys    []any
	threads map[int]*finalThread
}

type finalThread struct {
	step      int
	remaining map[int64]int64
}

func newFinalGen(st *sharedState) *finalGen {
	return &finalGen{st: st, threads: map[int]*finalThread{}}
}

func (g *finalGen) Next(w workload.Worker, prev *history.Op) (history.Op, bool) {
	g.once.Do(func() {
		g.st.mu.Lock()
		defer g.st.mu.Unlock()
		g.targets = make(map[int64]int64, len(g.st.maxOffsets))
		ks := make([]int64, 0, len(g.st.maxOffsets))
		for k, o := range g.st.maxOffsets {
			g.targets[k] = o
			ks = append(ks, k)
		}
		sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
		// Maelstrom records this assign with integer keys (its string-key
		// wrapper misses the final generator); we record the same shape.
		for _, k := range ks {
			g.keys = append(g.keys, k)
		}
	})
	t := g.threads[w.Thread]
	if t == nil {
		t = &finalThread{remaining: make(map[int64]int64, len(g.targets))}
		for k, o := range g.targets {
			t.remaining[k] = o
		}
		g.threads[w.Thread] = t
	}
	if prev != nil && prev.Type == history.OK && prev.F == "poll" {
		g.caughtUp(t, prev)
	}
	if len(t.remaining) == 0 {
		return history.Op{}, false
	}
	t.step++
	switch t.step {
	case 1:
		return history.Op{F: "crash", Final: true}, true
	case 2:
		return history.Op{F: "assign", Value: append([]any(nil), g.keys...), Final: true}, true
	default:
		return history.Op{F: "poll", Value: []any{[]any{"poll"}}, Final: true}, true
	}
}

// caughtUp is FinalPolls' update: it drops the keys whose target offset
// the poll prev reached. It walks the smaller of the keys still awaited
// and the keys the poll returned: a final poll may name every key of the
// test, and returns at most maxPerPoll messages (kafka/logs.go), so late
// in the final phase few keys are awaited and early on few are returned.
func (g *finalGen) caughtUp(t *finalThread, prev *history.Op) {
	mops, _ := history.AsList(prev.Value)
	for _, m := range mops {
		mop, _ := history.AsList(m)
		if len(mop) < 2 || mop[0] != "poll" {
			continue
		}
		msgs, _ := history.AsMap(mop[1])
		if len(msgs) < len(t.remaining) {
			var buf [20]byte
			for ks, pairs := range msgs {
				k, err := strconv.ParseInt(ks, 10, 64)
				if err != nil || string(strconv.AppendInt(buf[:0], k, 10)) != ks {
					continue // not a key the generator named ("05", "+5")
				}
				if target, ok := t.remaining[k]; ok && target <= highestOffset(pairs) {
					delete(t.remaining, k)
				}
			}
			continue
		}
		for k, target := range t.remaining {
			pairs, ok := msgs[strconv.FormatInt(k, 10)]
			if !ok {
				continue
			}
			if target <= highestOffset(pairs) {
				delete(t.remaining, k)
			}
		}
	}
}

// pollOffsets yields op->max-poll-offsets for ok and info ops: for each
// key of each poll, the highest offset it read (-1 for a key polled with
// no messages); a key may come more than once, and the reader keeps the
// highest. Keys that are not integers are left out: the generator only
// makes integer keys. (An iterator rather than Jepsen's map: the runner
// calls it twice per completed op, and the maps were a measurable share
// of the harness's CPU per operation.)
func pollOffsets(op *history.Op) iter.Seq2[int64, int64] {
	return func(yield func(k, o int64) bool) {
		for _, m := range completedMops(op, "poll") {
			mop, _ := history.AsList(m)
			if len(mop) < 2 || mop[0] != "poll" {
				continue
			}
			msgs, _ := history.AsMap(mop[1])
			for ks, pairs := range msgs {
				k, err := strconv.ParseInt(ks, 10, 64)
				if err != nil {
					continue
				}
				if !yield(k, highestOffset(pairs)) {
					return
				}
			}
		}
	}
}

// completedMops returns the micro-ops of an ok or info op that is an f or
// a txn; the offsets an op read or wrote are known only then.
func completedMops(op *history.Op, f string) []any {
	if op.Type != history.OK && op.Type != history.Info {
		return nil
	}
	if op.F != f && op.F != "txn" {
		return nil
	}
	mops, _ := history.AsList(op.Value)
	return mops
}

// sendOffsets yields op->max-send-offsets: for each send, its key and
// offset (at least 0); the reader keeps the highest per key.
func sendOffsets(op *history.Op) iter.Seq2[int64, int64] {
	return func(yield func(k, o int64) bool) {
		for _, m := range completedMops(op, "send") {
			mop, _ := history.AsList(m)
			if len(mop) != 3 || mop[0] != "send" {
				continue
			}
			k, err := strconv.ParseInt(keyString(mop[1]), 10, 64)
			if err != nil {
				continue
			}
			pair, _ := history.AsList(mop[2])
			if len(pair) != 2 {
				continue
			}
			if o, ok := history.AsInt(pair[0]); ok {
				if !yield(k, max(o, 0)) {
					return
				}
			}
		}
	}
}

// raise sets m[k] to o if k is not in m or o is higher.
func raise(m map[int64]int64, k, o int64) {
	if cur, ok := m[k]; !ok || o > cur {
		m[k] = o
	}
}
