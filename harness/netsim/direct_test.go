package netsim

import (
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A direct mailbox's handler runs on the delivering goroutine, never two
// calls at once, and messages from many senders arrive in delivery order.
func TestDirectMailboxRunsOnTheSenderInOrder(t *testing.T) {
	var running atomic.Int32
	var mu sync.Mutex
	var got []int64
	var inline atomic.Int64
	mb := NewDirectMailbox(func(batch []Message, wait bool) bool {
		require.Equal(t, int32(1), running.Add(1), "calls overlap")
		defer running.Add(-1)
		if !wait {
			inline.Add(1)
		}
		mu.Lock()
		for _, m := range batch {
			got = append(got, m.ID)
		}
		mu.Unlock()
		return true
	})
	var order sync.Mutex // makes delivery order the id order
	var next int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				order.Lock()
				next++
				mb.Deliver(Message{ID: next})
				order.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 4000 }, 2*time.Second, time.Millisecond)
	mb.Close()
	for i, id := range got {
		require.EqualValues(t, i+1, id)
	}
	assert.Positive(t, inline.Load())
}

// A handler that cannot finish without blocking hands over to the
// mailbox's goroutine, which calls it with wait true until the queue is
// empty; meanwhile Deliver does not block, and the queue's bound holds.
func TestDirectMailboxHandsOverWhenTheHandlerWouldBlock(t *testing.T) {
	const cost = 100 + messageOverhead
	release := make(chan struct{})
	type call struct {
		n    int
		wait bool
	}
	calls := make(chan call, 100)
	var pending atomic.Int64 // what the handler has "not written yet"
	mb := NewDirectMailbox(func(batch []Message, wait bool) bool {
		calls <- call{len(batch), wait}
		pending.Add(int64(len(batch)))
		if !wait {
			return false // the pipe is full
		}
		<-release // a reader that is slow
		pending.Store(0)
		return true
	}).Bound(10 * cost)
	body := json.RawMessage(strings.Repeat("x", 100))
	mb.Deliver(Message{ID: 1, Body: body})
	assert.Equal(t, call{1, false}, <-calls, "tried at once on the sender")
	assert.Equal(t, call{0, true}, <-calls, "then the loop finishes the rest")
	for i := int64(2); i <= 30; i++ {
		mb.Deliver(Message{ID: i, Body: body}) // queues; never blocks
	}
	dropped, _ := mb.Overflow()
	assert.EqualValues(t, 19, dropped, "ten fit in the queue")
	release <- struct{}{}
	assert.Equal(t, call{10, true}, <-calls, "the queue in one batch")
	release <- struct{}{}
	require.Eventually(t, func() bool { mb.mu.Lock(); defer mb.mu.Unlock(); return !mb.busy }, time.Second, time.Millisecond)
	assert.Zero(t, pending.Load())
	// Idle again: the next message is handled on the sender.
	mb.Deliver(Message{ID: 31, Body: body})
	assert.Equal(t, call{1, false}, <-calls)
	assert.Equal(t, call{0, true}, <-calls)
	close(release)
	mb.Close()
}

// Close waits for a call in progress on a delivering goroutine.
func TestDirectMailboxCloseWaitsForTheSender(t *testing.T) {
	started, finish := make(chan struct{}), make(chan struct{})
	var ended atomic.Bool
	mb := NewDirectMailbox(func(batch []Message, wait bool) bool {
		close(started)
		<-finish
		ended.Store(true)
		return true
	})
	go mb.Deliver(Message{ID: 1})
	<-started
	closed := make(chan struct{})
	go func() { mb.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while the handler ran")
	case <-time.After(20 * time.Millisecond):
	}
	close(finish)
	<-closed
	assert.True(t, ended.Load())
	mb.Deliver(Message{ID: 2}) // after Close: ignored
}
