package netsim

import "sync"

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
	})
}

// NewBatchMailbox starts a mailbox that hands over every message queued
// since the last call at once, so a writer can flush once per batch.
func NewBatchMailbox(handle func(batch []Message)) *Mailbox {
	mb := &Mailbox{signal: make(chan struct{}, 1), done: make(chan struct{})}
	go mb.loop(handle)
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

func (mb *Mailbox) loop(handle func([]Message)) {
	defer close(mb.done)
	var batch []Message
	for range mb.signal {
		for {
			mb.mu.Lock()
			if mb.closed {
				mb.mu.Unlock()
				return
			}
			batch, mb.queue = mb.queue, batch[:0]
			mb.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			handle(batch)
		}
	}
}
