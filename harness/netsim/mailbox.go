package netsim

import (
	"runtime"
	"sync"
	"time"
)

// Mailbox is a FIFO in front of a handler: Deliver never blocks, and one
// goroutine hands messages to the handler in order.
//
// A mailbox is unbounded unless Bound gives it a limit. Past the limit it
// drops new messages and counts them, as a congested network drops
// packets, instead of blocking: a queue that blocked its senders could
// deadlock two nodes that both write more than they read, and one that
// never dropped would let a node that stopped reading its stdin grow the
// harness's memory without end.
type Mailbox struct {
	mu     sync.Mutex
	queue  []Message
	signal chan struct{}
	done   chan struct{}
	closed bool

	// direct mode (NewDirectMailbox): busy while a handler call is in
	// progress on a delivering goroutine or handed to the loop (handoff);
	// spare is the batch buffer of whoever holds busy; idle is signalled
	// when a delivering goroutine lets go of busy after Close.
	direct  func(batch []Message, wait bool) bool
	busy    bool
	handoff bool
	spare   []Message
	idle    sync.Cond

	limit     int           // bytes queued before dropping; 0: no limit
	bound     int           // the limit Bound set, which limit returns to
	unbounded bool          // between Unbound and Rebound
	queued    int           // bytes in queue (bodies plus messageOverhead each)
	created   time.Time     // the clock's zero for lastTaken and stalledAt
	lastTaken time.Duration // when the handler last took a batch
	dropped   int64
	stalledAt time.Duration // lastTaken when the first message was dropped
}

// messageOverhead is what a queued message costs beyond its body (the
// Message struct and its two ids), for the byte limit.
const messageOverhead = 64

// NewMailbox starts a mailbox that calls handle for every message until
// Close.
func NewMailbox(handle func(Message)) *Mailbox {
	return NewBatchMailbox(func(batch []Message) {
		for _, m := range batch {
			handle(m)
		}
	}, nil)
}

// NewBatchMailbox starts a mailbox that hands over every message queued
// since the last call at once. idle (if not nil) is called whenever the
// queue has run dry, so a writer can buffer batches and flush once when
// there is nothing more to write.
func NewBatchMailbox(handle func(batch []Message), idle func()) *Mailbox {
	mb := &Mailbox{signal: make(chan struct{}, 1), done: make(chan struct{}), created: time.Now()}
	go mb.loop(handle, idle)
	return mb
}

// NewDirectMailbox starts a mailbox whose handler runs on the goroutine
// that delivers, when no other call of it is in progress: no goroutine
// hand-off per message. Called so, with wait false, handle must not block:
// it does what it can at once and returns false if it could not finish,
// keeping what it has not done (bytes a full pipe did not take, say). The
// mailbox's own goroutine then calls it with wait true, with whatever has
// queued since (possibly nothing), and goes on until the queue is empty.
// Messages delivered while a call is in progress queue, and the caller
// takes them as one batch when it returns (at most maxInlineRounds times,
// then the loop takes over), so a busy receiver gets them in batches.
// Calls never overlap, and messages reach handle in delivery order.
func NewDirectMailbox(handle func(batch []Message, wait bool) (finished bool)) *Mailbox {
	mb := &Mailbox{signal: make(chan struct{}, 1), done: make(chan struct{}), created: time.Now(), direct: handle}
	mb.idle.L = &mb.mu
	go mb.directLoop()
	return mb
}

// maxInlineRounds bounds the batches one delivering goroutine hands to a
// direct mailbox's handler before it leaves the rest to the mailbox's
// goroutine, so that a sender is not kept writing others' messages while
// they keep coming.
const maxInlineRounds = 4

// Bound limits the queue to about maxBytes of messages (bodies plus a small
// fixed cost each); messages that would pass it are dropped and counted.
// One message is always accepted into an empty queue, however large. The
// batch the handler holds is not counted, so up to about twice maxBytes
// can wait in all. It returns mb, and should be called before the first
// Deliver.
func (mb *Mailbox) Bound(maxBytes int) *Mailbox {
	mb.mu.Lock()
	mb.limit, mb.bound = maxBytes, maxBytes
	mb.mu.Unlock()
	return mb
}

// Unbound lifts the limit until Rebound: the queue of a paused node, whose
// messages a pause delays and never loses, grows as long as it is paused.
func (mb *Mailbox) Unbound() {
	mb.mu.Lock()
	mb.unbounded, mb.limit = true, 0
	mb.mu.Unlock()
}

// Rebound ends Unbound. The backlog is kept whole and up to the bound more
// may join it; once the handler has taken the backlog, Bound's limit
// applies again.
func (mb *Mailbox) Rebound() {
	mb.mu.Lock()
	mb.unbounded = false
	if mb.bound > 0 {
		mb.limit = mb.queued + mb.bound
	}
	mb.mu.Unlock()
}

// Deliver enqueues m, or drops it when the queue is full.
func (mb *Mailbox) Deliver(m Message) {
	cost := len(m.Body) + messageOverhead
	mb.mu.Lock()
	if mb.closed {
		mb.mu.Unlock()
		return
	}
	if mb.limit > 0 && mb.queued+cost > mb.limit && len(mb.queue) > 0 {
		if mb.dropped == 0 {
			mb.stalledAt = mb.lastTaken
		}
		mb.dropped++
		mb.mu.Unlock()
		return
	}
	mb.queue = append(mb.queue, m)
	mb.queued += cost
	if mb.direct != nil {
		if mb.busy {
			mb.mu.Unlock() // whoever holds busy takes it before letting go
			return
		}
		mb.busy = true
		mb.runInline()
		return
	}
	mb.mu.Unlock()
	select {
	case mb.signal <- struct{}{}:
	default:
	}
}

// runInline calls a direct mailbox's handler on the delivering goroutine
// until the queue is empty, the handler cannot finish without blocking, or
// maxInlineRounds batches are done; in the last two cases the loop
// goroutine takes over. mb.mu is held on entry, with busy just set, and
// released on return.
func (mb *Mailbox) runInline() {
	for round := 1; ; round++ {
		batch := mb.take()
		mb.mu.Unlock()
		finished := mb.direct(batch, false)
		clear(batch) // let go of the bodies; the array is reused
		mb.mu.Lock()
		mb.spare = batch[:0]
		switch {
		case mb.closed:
			mb.busy = false
			mb.idle.Broadcast()
		case !finished || (len(mb.queue) > 0 && round >= maxInlineRounds):
			mb.handoff = true
			mb.mu.Unlock()
			select {
			case mb.signal <- struct{}{}:
			default:
			}
			return
		case len(mb.queue) > 0:
			continue
		default:
			mb.busy = false
		}
		mb.mu.Unlock()
		return
	}
}

// take returns the queue as a batch and starts an empty one (in the spare
// array), with the bookkeeping of a batch taken. mb.mu is held.
func (mb *Mailbox) take() []Message {
	batch := mb.queue
	mb.queue, mb.spare = mb.spare[:0], nil
	if len(batch) > 0 {
		mb.queued = 0
		if !mb.unbounded {
			mb.limit = mb.bound // a backlog let in by Rebound is gone
		}
		if mb.limit > 0 {
			// A monotonic reading only: one clock read per batch, not
			// time.Now's two.
			mb.lastTaken = time.Since(mb.created)
		}
	}
	return batch
}

// directLoop is a direct mailbox's goroutine: it runs the handler, with
// wait true, only when a delivering goroutine handed it over.
func (mb *Mailbox) directLoop() {
	defer close(mb.done)
	for range mb.signal {
		mb.mu.Lock()
		if mb.closed {
			for mb.busy && !mb.handoff {
				mb.idle.Wait() // a delivering goroutine's call ends soon
			}
			mb.mu.Unlock()
			return
		}
		if !mb.handoff {
			mb.mu.Unlock()
			continue
		}
		for first := true; ; first = false {
			batch := mb.take()
			mb.mu.Unlock()
			if first || len(batch) > 0 {
				mb.direct(batch, true)
			}
			clear(batch)
			mb.mu.Lock()
			mb.spare = batch[:0]
			if mb.closed {
				mb.mu.Unlock()
				return
			}
			if len(mb.queue) == 0 {
				mb.busy, mb.handoff = false, false
				break
			}
		}
		mb.mu.Unlock()
	}
}

// Overflow reports how many messages were dropped because the queue was
// full and, if any were, when the handler last took messages before the
// first drop: for a node's stdin, about when the node stopped reading.
func (mb *Mailbox) Overflow() (dropped int64, stalledAt time.Time) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if mb.dropped == 0 {
		return 0, time.Time{}
	}
	return mb.dropped, mb.created.Add(mb.stalledAt)
}

// Close stops the mailbox; queued messages not yet handled are dropped.
// It waits until the handler has returned.
func (mb *Mailbox) Close() {
	mb.Abandon()
	<-mb.done
}

// Abandon stops the mailbox like Close but does not wait for a handler in
// progress, which may be blocked (writing to a node that stopped reading);
// Done is closed once it has returned.
func (mb *Mailbox) Abandon() {
	mb.mu.Lock()
	if mb.closed {
		mb.mu.Unlock()
		return
	}
	mb.closed = true
	mb.queue = nil
	mb.mu.Unlock()
	select {
	case mb.signal <- struct{}{}:
	default:
	}
}

// Done is closed when the mailbox's goroutine has ended, after Close or
// Abandon.
func (mb *Mailbox) Done() <-chan struct{} { return mb.done }

func (mb *Mailbox) loop(handle func([]Message), idle func()) {
	defer close(mb.done)
	var batch []Message
	for range mb.signal {
		yielded := false
		for {
			mb.mu.Lock()
			if mb.closed {
				mb.mu.Unlock()
				return
			}
			mb.spare = batch
			batch = mb.take()
			mb.mu.Unlock()
			if len(batch) > 0 {
				handle(batch)
				// Let go of the bodies: the backing array is reused as the
				// next queue and would otherwise keep them alive.
				clear(batch)
				continue
			}
			if idle == nil {
				break
			}
			if !yielded {
				// Give the senders one chance to add to this batch before
				// the idle flush: under load this turns many one-message
				// writes into one, at the cost of a scheduler pass.
				yielded = true
				runtime.Gosched()
				continue
			}
			idle()
			break
		}
	}
}
