package node

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// workers runs handlers and callbacks, each on its own goroutine, but
// reuses goroutines that have finished. A fresh goroutine starts with a
// small stack, and decoding JSON grows it (each growth copies the stack);
// with one fresh goroutine per message that copying dominated the cost of
// a message. Reused goroutines keep their grown stacks.
//
// Concurrency stays unbounded: a job goes to an idle worker if there is
// one, otherwise to a new goroutine, so a handler never waits behind
// another (blocked) handler.
//
// Each idle worker waits on a channel of its own, with a plain receive: a
// hand-off is one channel send to a goroutine already waiting, with no
// select over shared, timer and quit channels on either side (that select
// was the most of a hand-off's cost in profiles). Idle workers are a stack,
// so the most recently used (warm) one is taken first, and the ones at the
// bottom, unused for a whole linger period, are retired by one timer for
// the pool.
type workers struct {
	exec func(job) // runs one job

	mu   sync.Mutex
	idle []*worker // parked workers, the most recently parked last
	// gen counts linger periods; a worker parked in an earlier period
	// than the last one has been idle for at least a whole period.
	gen      uint64
	sweeping bool // the retirement timer is armed
	closed   bool // quit: no worker parks any more

	// busy counts jobs dispatched and not yet finished.
	busy atomic.Int64
	// kept bounds how many idle workers stay; above it a worker exits
	// after its job.
	kept int
	// linger is how long an idle worker waits for a job before exiting
	// (up to twice that).
	linger time.Duration
}

// worker is one parked goroutine's mailbox.
type worker struct {
	jobs chan job // capacity 1: a dispatcher never waits
	gen  uint64   // the period it parked in
}

// job is one handler or callback call. Jobs travel by value, so that
// dispatching a message allocates nothing.
type job struct {
	fn       HandlerFunc
	msg      Message
	callback bool // an RPC callback: errors are logged, not replied
}

func newWorkers(exec func(job)) *workers {
	return &workers{exec: exec, kept: 1024, linger: 2 * time.Second}
}

// busyYield is the number of running jobs above which dispatch, finding
// no idle worker, first yields the processor once so that running jobs
// can finish and free their workers. Without it a reader that never
// blocks (a full pipe, the benchmark) starts a fresh goroutine per message
// on one core. The yield never waits for a job: if no worker is idle after
// it, a goroutine is started anyway.
const busyYield = 16

// dispatch runs job on an idle worker or a new goroutine.
func (w *workers) dispatch(j job) {
	w.busy.Add(1)
	if wk := w.take(); wk != nil {
		wk.jobs <- j
		return
	}
	if w.busy.Load() >= busyYield {
		runtime.Gosched()
		if wk := w.take(); wk != nil {
			wk.jobs <- j
			return
		}
	}
	go w.work(j)
}

// take removes the most recently parked worker from the idle stack.
func (w *workers) take() *worker {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.idle)
	if n == 0 {
		return nil
	}
	wk := w.idle[n-1]
	w.idle[n-1] = nil
	w.idle = w.idle[:n-1]
	return wk
}

// run runs one job; it has been counted busy since its dispatch.
func (w *workers) run(j job) {
	w.exec(j)
	w.busy.Add(-1)
}

func (w *workers) work(j job) {
	wk := &worker{jobs: make(chan job, 1)}
	for {
		w.run(j)
		if !w.park(wk) {
			return
		}
		var ok bool
		if j, ok = <-wk.jobs; !ok {
			return // retired or quit
		}
	}
}

// park puts wk on the idle stack; false means the worker should exit.
func (w *workers) park(wk *worker) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || len(w.idle) >= w.kept {
		return false
	}
	wk.gen = w.gen
	w.idle = append(w.idle, wk)
	if !w.sweeping {
		w.sweeping = true
		time.AfterFunc(w.linger, w.sweep)
	}
	return true
}

// sweep retires the workers that have been idle for a whole linger period:
// those at the bottom of the stack that parked before the last period
// began. It re-arms itself while workers are idle.
func (w *workers) sweep() {
	w.mu.Lock()
	defer w.mu.Unlock()
	old := 0
	for old < len(w.idle) && w.idle[old].gen < w.gen {
		close(w.idle[old].jobs)
		old++
	}
	w.idle = append(w.idle[:0], w.idle[old:]...)
	clear(w.idle[len(w.idle):cap(w.idle)])
	w.gen++
	if len(w.idle) == 0 || w.closed {
		w.sweeping = false
		return
	}
	time.AfterFunc(w.linger, w.sweep)
}

// quit retires every idle worker and makes workers exit after their job
// from now on. Run calls it once no job can come any more.
func (w *workers) quit() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for _, wk := range w.idle {
		close(wk.jobs)
	}
	clear(w.idle)
	w.idle = w.idle[:0]
}
