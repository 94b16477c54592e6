package run

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"glomers/harness/history"
)

// recorder stamps operations with their index and their time relative to
// the test's start as they happen, streams each one to the history file
// at once, and keeps live counts for the progress line.
//
// Ops are kept in memory too only when the workload's checker wants the
// whole history (keep); a workload.SourceChecker reads the file back
// instead, so the harness's memory does not grow with every op and every
// final poll's copy of the log (a 120 s kafka run held 1.5 GB of history).
// An op's value, the costly part of its line, is encoded before the lock is
// taken, so a final poll's megabytes do not hold up the other clients.
// Kept ops are stored in fixed-size chunks: one growing slice copied
// every operation recorded so far at each doubling, which showed in the
// harness's CPU profile at ten thousand operations a second.
type recorder struct {
	start time.Time
	keep  bool

	mu     sync.Mutex
	w      *history.Writer // nil: not streamed
	err    error           // the first write error
	chunks []history.History
	n      int

	ok, fail, info atomic.Int64
}

const chunkOps = 1 << 12

// newRecorder starts a recorder that streams to sink (nil: nowhere) and
// keeps the ops in memory when keep is set.
func newRecorder(start time.Time, sink io.Writer, keep bool) *recorder {
	r := &recorder{start: start, keep: keep}
	if sink != nil {
		r.w = history.NewWriter(sink)
	}
	return r
}

// add stamps and records op, returning the stamped copy.
func (r *recorder) add(op history.Op) history.Op {
	var enc history.Encoded
	var encErr error
	if r.w != nil {
		enc, encErr = history.Encode(&op)
	}
	r.mu.Lock()
	op.Time = int64(time.Since(r.start))
	op.Index = r.n
	if r.w != nil && r.err == nil {
		r.err = encErr
		if r.err == nil {
			r.err = r.w.WriteEncoded(&op, enc)
		}
	}
	if r.keep {
		if r.n%chunkOps == 0 {
			r.chunks = append(r.chunks, make(history.History, 0, chunkOps))
		}
		last := &r.chunks[len(r.chunks)-1]
		*last = append(*last, op)
	}
	r.n++
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

// flush writes out what the stream buffers and returns the first error
// writing it met.
func (r *recorder) flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w != nil && r.err == nil {
		r.err = r.w.Flush()
	}
	return r.err
}

// history returns a copy of the ops kept so far (nil unless keep).
func (r *recorder) history() history.History {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.keep || r.n == 0 {
		return nil
	}
	h := make(history.History, 0, r.n)
	for _, c := range r.chunks {
		h = append(h, c...)
	}
	return h
}
