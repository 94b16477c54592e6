package run

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	"glomers/harness/client"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// thread is one client worker: a Jepsen worker thread bound to one node,
// whose process (and client connection) is replaced after every crash.
type thread struct {
	w      workload.Worker
	conn   *client.Conn
	client workload.Client
	rng    *rand.Rand
	prev   *history.Op
	ops    chan history.Op // mainPhase's hand-off to the thread's goroutine
}

func (t *test) newThreads() []*thread {
	threads := make([]*thread, t.cfg.Concurrency)
	nodes := t.cfg.NodeIDs
	for i := range threads {
		th := &thread{
			w:   workload.Worker{Thread: i, Process: i, Node: nodes[i%len(nodes)]},
			rng: rand.New(rand.NewPCG(t.seeds.Uint64(), t.seeds.Uint64())),
		}
		t.reopen(th)
		threads[i] = th
	}
	return threads
}

// reopen gives the thread a fresh client connection (a new client id) and
// a fresh workload client, as Jepsen does for a new process.
func (t *test) reopen(th *thread) {
	if th.conn != nil {
		th.conn.Close()
	}
	th.conn = client.Open(t.net)
	th.client = t.wl.NewClient(th.conn, th.w, th.rng)
}

// invoke runs one operation on a thread and records it. An info
// completion crashes the process: the thread continues as process +
// concurrency with a new client.
func (t *test) invoke(ctx context.Context, th *thread, op history.Op) history.Op {
	op.Type = history.Invoke
	op.Process = th.w.Process
	op.Node = th.w.Node
	op.Client = th.conn.ID()
	op.Error = nil
	op = t.rec.add(op)
	done := th.client.Invoke(ctx, op)
	switch done.Type {
	case history.OK, history.Fail, history.Info:
	default:
		done.Type = history.Info
		done.Error = []any{"harness", "client returned no completion type"}
	}
	done.Process = op.Process
	done.Node = op.Node
	done.Client = op.Client
	done.F = op.F
	done.Final = op.Final
	done = t.rec.add(done)
	th.prev = &done
	if done.Type == history.Info {
		th.w.Process += t.cfg.Concurrency
		t.reopen(th)
	}
	return done
}

// shortWait is the longest pause between two operations that mainPhase
// waits out without watching for the phase's end.
const shortWait = 10 * time.Millisecond

// opDrainLimit is how long operations in flight at the end of the main
// phase may take to complete: more than a client's RPC timeout, so only an
// operation made of several slow calls is cut short (and recorded as info).
const opDrainLimit = 2 * workload.DefaultRPCTimeout

// mainPhase paces the generator at --rate until --time-limit. Like
// Jepsen's gen/stagger, the gaps between operations are uniform in
// [0, 2/rate) across all threads, and an operation waits for a free thread;
// a schedule that fell behind catches up at once.
func (t *test) mainPhase(ctx context.Context, threads []*thread) {
	if n := t.cfg.MainPhaseProcs; n > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n)) // restored last, after the drain
	}
	deadline := time.Now().Add(t.cfg.TimeLimit)
	phaseCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if t.cfg.Rate <= 0 {
		<-phaseCtx.Done() // Maelstrom sleeps through the time limit
		return
	}
	gen := t.wl.Generator()
	sched := rand.New(rand.NewPCG(t.seeds.Uint64(), 7))
	// Operations still in flight when the phase ends get opDrainLimit to
	// finish; then they are cut short, so no client can hold the run up.
	opsCtx, cancelOps := context.WithCancel(ctx)
	defer cancelOps()
	// One long-lived goroutine per thread runs its ops, so an op costs a
	// channel hand-off rather than a new goroutine (and its stack growth).
	free := make(chan *thread, len(threads))
	var workers sync.WaitGroup
	defer func() {
		cutOff := time.AfterFunc(opDrainLimit, cancelOps)
		workers.Wait()
		cutOff.Stop()
	}()
	for _, th := range threads {
		ops := make(chan history.Op, 1)
		th.ops = ops
		workers.Add(1)
		go func() {
			defer workers.Done()
			for op := range ops {
				// Operations run to completion even past the time limit,
				// as Jepsen lets them; only Ctrl-C or opDrainLimit cuts
				// them short.
				t.invoke(opsCtx, th, op)
				free <- th
			}
		}()
		free <- th
	}
	defer func() {
		for _, th := range threads {
			close(th.ops)
		}
	}()
	exhausted := 0
	next := time.Now()
	gap := float64(time.Second) / t.cfg.Rate
	timer := time.NewTimer(0)
	defer timer.Stop()
	for exhausted < len(threads) {
		next = next.Add(time.Duration(sched.Float64() * 2 * gap))
		if d := time.Until(next); d > shortWait {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-phaseCtx.Done():
				return
			}
		} else if d > 0 {
			// A gap between two operations (100 µs on average at 10,000
			// a second): waiting on the timer alone is cheaper than a
			// select, and the phase's end is seen just after.
			timer.Reset(d)
			<-timer.C
		}
		var th *thread
		select {
		case th = <-free: // usually a thread is free: no blocking select
		default:
			select {
			case th = <-free:
			case <-phaseCtx.Done():
				return
			}
		}
		if phaseCtx.Err() != nil {
			return
		}
		op, ok := gen.Next(th.w, th.prev)
		if !ok {
			exhausted++
			continue
		}
		th.ops <- op
	}
}

// finalPhase runs the final generator on every thread at once, without
// rate limit, each until the generator has nothing more for it (or the
// final phase's time limit passes).
func (t *test) finalPhase(ctx context.Context, threads []*thread, final *workload.Final) {
	phaseCtx := ctx
	if final.TimeLimit > 0 {
		var cancel context.CancelFunc
		phaseCtx, cancel = context.WithTimeout(ctx, final.TimeLimit)
		defer cancel()
	}
	var genMu sync.Mutex
	var wg sync.WaitGroup
	for _, th := range threads {
		th.prev = nil
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := true; phaseCtx.Err() == nil; first = false {
				if final.Stagger > 0 && !first {
					gap := time.Duration(th.rng.Float64() * 2 * float64(final.Stagger))
					select {
					case <-time.After(gap):
					case <-phaseCtx.Done():
						return
					}
				}
				genMu.Lock()
				op, ok := final.Generator.Next(th.w, th.prev)
				genMu.Unlock()
				if !ok {
					return
				}
				t.invoke(ctx, th, op)
			}
		}()
	}
	wg.Wait()
}

// progress redraws one status line on stderr while the test runs, when
// stderr is a terminal.
func (t *test) progress() func() {
	if !t.cfg.Progress {
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		var lastMsgs int64
		last := time.Now()
		for {
			select {
			case <-stop:
				fmt.Fprint(os.Stderr, "\r\033[K")
				return
			case now := <-tick.C:
				msgs := t.net.Stats().All.SendCount
				rate := float64(msgs-lastMsgs) / now.Sub(last).Seconds()
				lastMsgs, last = msgs, now
				fmt.Fprintf(os.Stderr, "\r\033[K%6.1fs  ok %d  fail %d  info %d  %.0f msgs/s",
					t.net.Since().Seconds(), t.rec.ok.Load(), t.rec.fail.Load(), t.rec.info.Load(), rate)
			}
		}
	}()
	return func() {
		close(stop)
		<-done
	}
}
