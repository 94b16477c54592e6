package node

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A callback waits for the reply to one RPC. Exactly one of fn (RPC) and
// ch (SyncRPC, capacity 1) is set. Whoever removes the callback from the
// node's table (the reply, the sweeper, the caller's context, shutdown) is
// the only one to complete it, so nothing is delivered twice and a late
// reply finds no callback and is dropped without blocking.
type callback struct {
	dest string
	fn   HandlerFunc
	ch   chan rpcResult
	// onTimeout: fn is also called, with a synthetic timeout error, when
	// no reply comes (RPCWithTimeout); plain RPC callbacks are dropped.
	onTimeout bool
	// onInput: fn is called with the reply on the input loop's goroutine
	// (RPCNonBlocking), not on a worker.
	onInput bool
	// deadline is when the sweeper expires the callback; zero: never
	// (a SyncRPC bounded by its caller's context).
	deadline time.Time
}

// rpcResult is what a SyncRPC waiter receives: the reply, or the news
// that the RPC timeout passed first.
type rpcResult struct {
	msg      Message
	timedOut bool
}

// ErrNodeClosed is wrapped by the timeout errors of RPCs that were pending
// when the node's input ended.
var ErrNodeClosed = errors.New("node: input closed while waiting for a reply")

// register stores cb under a fresh msg_id. It fails once the node is
// closed. Callbacks with a deadline wake the sweeper if it sleeps.
func (n *Node) register(cb *callback) (int, error) {
	id := int(n.nextMsgID.Add(1))
	n.rpcMu.Lock()
	defer n.rpcMu.Unlock()
	if n.closed {
		return 0, ErrClosed
	}
	n.callbacks[id] = cb
	if !cb.deadline.IsZero() {
		n.timed++
		if !n.sweeping {
			n.sweeping = true
			go n.sweep()
		}
	}
	return id, nil
}

// take removes and returns the callback of msg_id id, or nil.
func (n *Node) take(id int) *callback {
	n.rpcMu.Lock()
	cb := n.callbacks[id]
	if cb != nil {
		n.forget(id, cb)
	}
	n.rpcMu.Unlock()
	return cb
}

// forget removes cb (registered as id); rpcMu is held.
func (n *Node) forget(id int, cb *callback) {
	delete(n.callbacks, id)
	if !cb.deadline.IsZero() {
		n.timed--
	}
}

// sweep expires callbacks whose deadline has passed. One goroutine per
// node does it, in place of a timer per RPC; it runs while callbacks with
// a deadline are pending and exits when none are (register restarts it).
// Expiry is late by at most one sweep period, an eighth of the RPC
// timeout (at most 100 ms).
func (n *Node) sweep() {
	for {
		period := min(max(n.RPCTimeout()/8, time.Millisecond), 100*time.Millisecond)
		time.Sleep(period)
		now := time.Now()
		n.rpcMu.Lock()
		if n.closed || n.timed == 0 {
			n.sweeping = false
			n.rpcMu.Unlock()
			return
		}
		for id, cb := range n.callbacks {
			if cb.deadline.IsZero() || now.Before(cb.deadline) {
				continue
			}
			n.forget(id, cb)
			n.expire(id, cb)
		}
		n.rpcMu.Unlock()
	}
}

// expire completes a callback that got no reply in time; rpcMu is held
// and the callback has been removed.
func (n *Node) expire(id int, cb *callback) {
	switch {
	case cb.ch != nil:
		cb.ch <- rpcResult{timedOut: true} // capacity 1, one sender
	case cb.onTimeout:
		n.wg.Add(1) // under rpcMu: shutdown has not started waiting yet
		n.workers.dispatch(job{fn: cb.fn, msg: n.timeoutReply(cb.dest, id, "rpc timed out"), callback: true})
	default:
		n.Logf("no reply from %s to msg_id %d within %v; callback dropped", cb.dest, id, n.RPCTimeout())
	}
}

// NextMsgID returns a fresh msg_id, unique on this node. RPC and SyncRPC
// use it; call it for a body you send yourself with Send.
func (n *Node) NextMsgID() int { return int(n.nextMsgID.Add(1)) }

// RPC sends body to dest with a fresh msg_id and calls fn with the reply,
// in its own goroutine, as demo/go's RPC does: fn runs only if a reply
// comes. Unlike demo/go, the callback is not kept forever: after the RPC
// timeout (see SetRPCTimeout) it is dropped, and a reply arriving later is
// ignored. Use RPCWithTimeout to be told of the timeout. A nil fn ignores
// the reply.
func (n *Node) RPC(dest string, body any, fn HandlerFunc) error {
	return n.rpc(dest, body, &callback{fn: fn})
}

// RPCWithTimeout is RPC, but if no reply arrives within the RPC timeout,
// or the node's input ends first, fn is called once with a synthetic error
// reply of code 0 (timeout, indefinite) from dest; a reply arriving after
// that is dropped.
func (n *Node) RPCWithTimeout(dest string, body any, fn HandlerFunc) error {
	return n.rpc(dest, body, &callback{fn: fn, onTimeout: true})
}

// rpc sends body to dest and registers cb (fn and flags set) for the reply.
func (n *Node) rpc(dest string, body any, cb *callback) error {
	src := n.ID()
	if src == "" {
		return ErrNotInitialized
	}
	if cb.fn == nil {
		cb.fn = func(Message) error { return nil } // fire, and ignore the reply
	}
	cb.dest, cb.deadline = dest, time.Now().Add(n.RPCTimeout())
	id, err := n.register(cb)
	if err != nil {
		return err
	}
	if err := n.send(src, dest, body, id, -1); err != nil {
		n.take(id)
		return err
	}
	return nil
}

// timeoutReply is the synthetic reply given to callbacks that time out.
func (n *Node) timeoutReply(dest string, id int, why string) Message {
	body := []byte(`{"type":"error","in_reply_to":` + strconv.Itoa(id) + `,"code":0,"text":`)
	body = appendString(body, why)
	body = append(body, '}')
	return Message{Src: dest, Dest: n.ID(), Body: body}
}

// deliverReply hands a reply to its callback, or drops it when none waits.
func (n *Node) deliverReply(msg Message) {
	cb := n.take(msg.hdr.inReplyTo)
	if cb == nil {
		n.Logf("dropping reply from %s to unknown or expired msg_id %d", msg.Src, msg.hdr.inReplyTo)
		return
	}
	if cb.ch != nil {
		cb.ch <- rpcResult{msg: msg} // capacity 1 and only one sender: never blocks
		return
	}
	if cb.onInput {
		n.runOnInput(job{fn: cb.fn, msg: msg, callback: true})
		return
	}
	n.wg.Add(1)
	n.workers.dispatch(job{fn: cb.fn, msg: msg, callback: true})
}

// SyncRPC sends body to dest and waits for the reply, as demo/go's does.
// An error reply (a body of type "error") is returned as *RPCError
// together with the reply message. When ctx ends first, its error
// (context.DeadlineExceeded or context.Canceled) is returned as is, as in
// demo/go, and the callback is removed. Unlike demo/go, a ctx without
// deadline does not wait forever: after the RPC timeout the error is an
// *RPCError of code 0 (timeout) that also matches
// errors.Is(err, context.DeadlineExceeded). When the node's input ends
// first the error has code 0 and wraps ErrNodeClosed.
func (n *Node) SyncRPC(ctx context.Context, dest string, body any) (Message, error) {
	n.mustNotBlock("SyncRPC")
	src := n.ID()
	if src == "" {
		return Message{}, ErrNotInitialized
	}
	cb := &callback{dest: dest, ch: make(chan rpcResult, 1)}
	if _, ok := ctx.Deadline(); !ok {
		cb.deadline = time.Now().Add(n.RPCTimeout())
	}
	id, err := n.register(cb)
	if err != nil {
		return Message{}, err
	}
	if err := n.send(src, dest, body, id, -1); err != nil {
		n.take(id)
		return Message{}, err
	}
	select {
	case r := <-cb.ch:
		if r.timedOut {
			return Message{}, fmt.Errorf("%w: %w", NewRPCErrorf(Timeout, "no reply from %s to msg_id %d within %v", dest, id, n.RPCTimeout()), context.DeadlineExceeded)
		}
		if rpcErr := r.msg.RPCError(); rpcErr != nil {
			return r.msg, rpcErr
		}
		return r.msg, nil
	case <-ctx.Done():
		n.take(id)
		return Message{}, ctx.Err()
	case <-n.done:
		n.take(id)
		return Message{}, fmt.Errorf("%w: %w", NewRPCErrorf(Timeout, "no reply from %s to msg_id %d", dest, id), ErrNodeClosed)
	}
}

// shutdown runs when the input has ended: no reply can arrive any more, so
// every pending RPCWithTimeout callback is completed with a timeout now
// rather than later; plain RPC callbacks are dropped.
func (n *Node) shutdown() {
	n.rpcMu.Lock()
	n.closed = true
	pending := n.callbacks
	n.callbacks = make(map[int]*callback)
	n.timed = 0
	for id, cb := range pending {
		if cb.fn != nil && cb.onTimeout {
			n.wg.Add(1)
			n.workers.dispatch(job{fn: cb.fn, msg: n.timeoutReply(cb.dest, id, "node input closed"), callback: true})
		}
	}
	close(n.done)
	n.rpcMu.Unlock()
}
