package netsim

import (
	"runtime"
	"sync"
)

// Mailbox is an unbounded FIFO in front of a handler: Deliver never blocks,
// and one goroutine hands messages to the handler in order. Unbounded on
// purpose: a bounded queue between a node's stdout and another node's stdin
// can deadlock two nodes that both write more than they read.
type Mailbox struct {
	mu     sync.Mutex
	queue  []Message
	signal chan struct{}
	done   chan struct{}
	closed bool
}

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
	mb := &Mailbox{signal: make(chan struct{}, 1), done: make(chan struct{})}
	go mb.loop(handle, idle)
	return mb
}

// Deliver enqueues m.
func (mb *Mailbox) Deliver(m Message) {
	mb.mu.Lock()
	if mb.closed {
		mb.mu.Unlock()
		return
	}
	mb.queue = append(mb.queue, m)
	mb.mu.Unlock()
	select {
	case mb.signal <- struct{}{}:
	default:
	}
}

// Close stops the mailbox; queued messages not yet handled are dropped.
// It waits until the handler has returned.
func (mb *Mailbox) Close() {
	mb.mu.Lock()
	if mb.closed {
		mb.mu.Unlock()
		<-mb.done
		return
	}
	mb.closed = true
	mb.mu.Unlock()
	select {
	case mb.signal <- struct{}{}:
	default:
	}
	<-mb.done
}

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
			batch, mb.queue = mb.queue, batch[:0]
			mb.mu.Unlock()
			if len(batch) > 0 {
				handle(batch)
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
