package node

import (
	"runtime"
	"sync/atomic"
	"time"
)

// workers runs handlers and callbacks, each on its own goroutine, but
// reuses goroutines that have finished. A fresh goroutine starts with a
// small stack, and decoding JSON grows it (each growth copies the stack);
// with one fresh goroutine per message that copying dominated the cost of
// a message. Reused goroutines keep their grown stacks.
//
// Concurrency stays unbounded: a job is only queued when an idle worker is
// committed to taking it, otherwise a new goroutine is started, so a
// handler never waits behind another (blocked) handler.
type workers struct {
	exec func(job) // runs one job
	jobs chan job
	// idle counts workers waiting on jobs that no job has claimed yet.
	// A dispatcher claims one (decrement) before queueing a job, so the
	// queue never holds more jobs than there are workers to take them.
	idle atomic.Int64
	// busy counts jobs dispatched and not yet finished.
	busy atomic.Int64
	// kept bounds how many idle workers stay; above it a worker exits
	// after its job.
	kept int64
	// linger is how long an idle worker waits for a job before exiting
	// (up to twice that, see work).
	linger time.Duration
	// quit is closed once no job can come any more (Run has returned).
	quit chan struct{}
}

// job is one handler or callback call. Jobs travel by value, so that
// dispatching a message allocates nothing.
type job struct {
	fn       HandlerFunc
	msg      Message
	callback bool // an RPC callback: errors are logged, not replied
}

func newWorkers(exec func(job)) *workers {
	return &workers{exec: exec, jobs: make(chan job, 256), kept: 1024, linger: 2 * time.Second, quit: make(chan struct{})}
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
	if w.claim() {
		w.jobs <- j // a worker is committed to take it
		return
	}
	if w.busy.Load() >= busyYield {
		runtime.Gosched()
		if w.claim() {
			w.jobs <- j
			return
		}
	}
	go w.work(j)
}

// claim takes one idle worker's place, if any.
func (w *workers) claim() bool {
	for {
		n := w.idle.Load()
		if n <= 0 {
			return false
		}
		if w.idle.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// run runs one job; it has been counted busy since its dispatch.
func (w *workers) run(j job) {
	w.exec(j)
	w.busy.Add(-1)
}

func (w *workers) work(j job) {
	w.run(j)
	// Neither the timer nor a clock is touched per job (both showed in
	// profiles): the timer fires every linger period, and the worker exits
	// when no job ran during the whole period before, i.e. after one to
	// two lingers without work.
	ran := true // a job ran since the timer last fired
	timer := time.NewTimer(w.linger)
	defer timer.Stop()
	for {
		if w.idle.Add(1) > w.kept && w.retract() {
			return
		}
	wait:
		for {
			select {
			case j := <-w.jobs:
				w.run(j)
				ran = true
				break wait
			case <-w.quit:
				return
			case <-timer.C:
				if ran {
					ran = false
					timer.Reset(w.linger)
					continue
				}
				if w.retract() {
					return
				}
				// A dispatcher claimed this worker's place: a job is
				// coming.
				w.run(<-w.jobs)
				ran = true
				timer.Reset(w.linger)
				break wait
			}
		}
	}
}

// retract takes back one idle place so that the worker may exit; it fails
// when every place has been claimed by a queued or queueing job.
func (w *workers) retract() bool {
	for {
		n := w.idle.Load()
		if n <= 0 {
			return false
		}
		if w.idle.CompareAndSwap(n, n-1) {
			return true
		}
	}
}
