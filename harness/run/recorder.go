package run

import (
	"sync"
	"sync/atomic"
	"time"

	"glomers/harness/history"
)

// recorder appends operations to the history as they happen, stamping
// their time relative to the test's start, and keeps live counts for the
// progress line.
type recorder struct {
	start time.Time

	mu  sync.Mutex
	ops history.History

	ok, fail, info atomic.Int64
}

func newRecorder(start time.Time) *recorder {
	return &recorder{start: start, ops: make(history.History, 0, 1<<12)}
}

// add stamps and appends op, returning the stamped copy.
func (r *recorder) add(op history.Op) history.Op {
	r.mu.Lock()
	op.Time = int64(time.Since(r.start))
	op.Index = len(r.ops)
	r.ops = append(r.ops, op)
	r.mu.Unlock()
	if op.IsClient() {
		switch op.Type {
		case history.OK:
			r.ok.Add(1)
		case history.Fail:
			r.fail.Add(1)
		case history.Info:
			r.info.Add(1)
		}
	}
	return op
}

// history returns a copy of everything recorded so far.
func (r *recorder) history() history.History {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(history.History(nil), r.ops...)
}
