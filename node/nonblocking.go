package node

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
)

// Handlers and callbacks that never block, an opt-in extra beside demo/go's
// API (which stays as it is: Handle, RPC and RPCWithTimeout run their
// functions on worker goroutines).
//
// Why: a node that is idle between messages, as every node of a test is at
// Maelstrom's rates, pays for each message handed from the input goroutine
// to a worker twice in the Go scheduler: the input goroutine parks when its
// read finds nothing more, the worker wakes, runs the handler, and parks
// in turn, and the scheduler then looks for work again before the thread
// sleeps. A handler that runs on the input goroutine itself saves one of
// the two cycles. (The read that finds nothing cannot be skipped, and
// handing the reading role to the worker costs the same wake-up: see
// "Node library CPU per message" in docs/results/scale.md.)
//
// The price is the contract: while such a handler runs, no other message is
// read, so it must not wait for anything another message brings: no
// SyncRPC, no KV call, no waiting on a channel that another handler fills.
// Locks held briefly by other goroutines are fine. SyncRPC and KV calls made
// on the input goroutine are caught: they panic with ErrWouldBlockInput
// (recovered as any handler panic: a crash error reply, code 13) instead of
// waiting out their timeout for a reply that cannot be read. Other blocking
// cannot be detected; it stalls the node.

// ErrWouldBlockInput is the panic value (wrapped) of a SyncRPC or KV call
// made from a handler registered with HandleNonBlocking or an
// RPCNonBlocking callback: the call would wait for a reply that only the
// goroutine it blocks can read.
var ErrWouldBlockInput = errors.New("node: blocking call on the input goroutine")

// HandleNonBlocking registers fn, which must never block, as the handler of
// requests of type typ; it panics if typ has a handler already. fn runs on
// the goroutine that reads the node's input, before the next message is
// read, so handlers registered this way run one at a time, in the order
// their messages arrive; a long computation in fn delays every later
// message. Everything else is as with Handle: an error fn
// returns becomes an error reply, a panic becomes a crash reply (code 13),
// and replies are written in batches when the input is drained.
//
// fn must not call SyncRPC or KV (they panic with ErrWouldBlockInput) or
// wait for another message in any way; it may Send, Reply, RPC and
// RPCNonBlocking. It may run at the same time as handlers registered with
// Handle (which run on workers), callbacks, and the program's own
// goroutines, so shared state still needs its locks: a message handled by
// a worker may still be running when a later message's fn runs.
//
// A handler for "init" runs on a worker whichever way it is registered.
func (n *Node) HandleNonBlocking(typ string, fn HandlerFunc) {
	n.addHandler(typ, handlerEntry{fn: fn, onInput: true})
}

// RPCNonBlocking is RPCWithTimeout whose callback, which must never block,
// runs on the input goroutine when the reply arrives, under the contract of
// HandleNonBlocking. When no reply comes within the RPC timeout, or the
// input ends first, fn is called once with a synthetic error reply of code
// 0 (timeout) on a worker goroutine, as RPCWithTimeout does. fn's error is
// logged. A nil fn ignores the reply.
func (n *Node) RPCNonBlocking(dest string, body any, fn HandlerFunc) error {
	return n.rpc(dest, body, &callback{fn: fn, onTimeout: true, onInput: true})
}

// runOnInput runs a handler or callback on the input goroutine. While it
// runs, blocking calls from this goroutine are refused (mustNotBlock).
func (n *Node) runOnInput(j job) {
	n.onInput.Store(true)
	defer n.onInput.Store(false)
	n.finishJob(j)
}

// mustNotBlock panics with ErrWouldBlockInput when called on the input
// goroutine while it runs a non-blocking handler or callback. The goroutine
// is only identified when one runs, so other callers pay one atomic load.
func (n *Node) mustNotBlock(call string) {
	if !n.onInput.Load() {
		return
	}
	if id, ok := goroutineID(); ok && id == n.inputGoroutine.Load() {
		panic(fmt.Errorf("%w: %s from a HandleNonBlocking handler or RPCNonBlocking callback "+
			"would wait for a reply that only this goroutine can read; register the handler with Handle",
			ErrWouldBlockInput, call))
	}
}

// goroutineID is the calling goroutine's id, read from the first line of
// its stack trace ("goroutine 18 [running]:"), the one place the runtime
// shows it; golang.org/x/net/http2 reads it the same way for its debug
// ownership checks. It is only read in the rare case above.
func goroutineID() (uint64, bool) {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b, ok := bytes.CutPrefix(b, []byte("goroutine "))
	if !ok {
		return 0, false
	}
	if i := bytes.IndexByte(b, ' '); i > 0 {
		id, err := strconv.ParseUint(string(b[:i]), 10, 64)
		return id, err == nil
	}
	return 0, false
}
