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
// node's table (the reply, the timer, the caller's context, shutdown) is
// the only one to complete it, so nothing is delivered twice and a late
// reply finds no callback and is dropped without blocking.
type callback struct {
	dest  string
	fn    HandlerFunc
	ch    chan Message
	timer *time.Timer
}

// ErrNodeClosed is wrapped by the timeout errors of RPCs that were pending
// when the node's input ended.
var ErrNodeClosed = errors.New("node: input closed while waiting for a reply")

// register stores cb under a fresh msg_id. It fails once the node is
// closed.
func (n *Node) register(cb *callback) (int, error) {
	id := int(n.nextMsgID.Add(1))
	n.rpcMu.Lock()
	defer n.rpcMu.Unlock()
	if n.closed {
		return 0, ErrClosed
	}
	n.callbacks[id] = cb
	return id, nil
}

// take removes and returns the callback of msg_id id, or nil.
func (n *Node) take(id int) *callback {
	n.rpcMu.Lock()
	cb := n.callbacks[id]
	delete(n.callbacks, id)
	if cb != nil && cb.timer != nil { // read under the lock RPC sets it with
		cb.timer.Stop()
	}
	n.rpcMu.Unlock()
	return cb
}

// NextMsgID returns a fresh msg_id, unique on this node. RPC and SyncRPC
// use it; call it for a body you send yourself with Send.
func (n *Node) NextMsgID() int { return int(n.nextMsgID.Add(1)) }

// RPC sends body to dest with a fresh msg_id and calls fn with the reply,
// in its own goroutine. If no reply arrives within the RPC timeout (see
// SetRPCTimeout), or the node's input ends first, fn is called once with a
// synthetic error reply of code 0 (timeout, indefinite) from dest; a reply
// arriving after that is dropped. A nil fn ignores the reply.
func (n *Node) RPC(dest string, body any, fn HandlerFunc) error {
	src := n.ID()
	if src == "" {
		return ErrNotInitialized
	}
	if fn == nil {
		fn = func(Message) error { return nil } // fire, and ignore the reply
	}
	cb := &callback{dest: dest, fn: fn}
	id, err := n.register(cb)
	if err != nil {
		return err
	}
	// The timer is armed under the lock so that take sees it.
	n.rpcMu.Lock()
	cb.timer = time.AfterFunc(n.RPCTimeout(), func() { n.expire(id, "rpc timed out") })
	n.rpcMu.Unlock()
	if err := n.send(src, dest, body, id, -1); err != nil {
		n.take(id)
		return err
	}
	return nil
}

// expire completes an RPC callback that got no reply.
func (n *Node) expire(id int, why string) {
	n.rpcMu.Lock()
	cb := n.callbacks[id]
	delete(n.callbacks, id)
	if cb == nil || n.closed {
		// Answered already, or shutdown has completed it.
		n.rpcMu.Unlock()
		return
	}
	n.wg.Add(1) // under rpcMu: shutdown has not started waiting yet
	n.rpcMu.Unlock()
	n.workers.dispatch(job{fn: cb.fn, msg: n.timeoutReply(cb.dest, id, why), callback: true})
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
		cb.ch <- msg // capacity 1 and only one sender: never blocks
		return
	}
	n.wg.Add(1)
	n.workers.dispatch(job{fn: cb.fn, msg: msg, callback: true})
}

// SyncRPC sends body to dest and waits for the reply. An error reply is
// returned as *RPCError (with the reply message). When ctx ends first, or
// the RPC timeout passes for a ctx without deadline, the callback is
// removed and the error has code 0 (timeout, indefinite) and also matches
// errors.Is(err, context.DeadlineExceeded or context.Canceled). When the
// node's input ends first the error has code 0 and wraps ErrNodeClosed.
func (n *Node) SyncRPC(ctx context.Context, dest string, body any) (Message, error) {
	src := n.ID()
	if src == "" {
		return Message{}, ErrNotInitialized
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, n.RPCTimeout())
		defer cancel()
	}
	ch := make(chan Message, 1)
	id, err := n.register(&callback{dest: dest, ch: ch})
	if err != nil {
		return Message{}, err
	}
	if err := n.send(src, dest, body, id, -1); err != nil {
		n.take(id)
		return Message{}, err
	}
	select {
	case msg := <-ch:
		if rpcErr := msg.RPCError(); rpcErr != nil {
			return msg, rpcErr
		}
		return msg, nil
	case <-ctx.Done():
		n.take(id)
		return Message{}, fmt.Errorf("%w: %w", NewRPCError(CodeTimeout, "no reply from %s to msg_id %d", dest, id), ctx.Err())
	case <-n.done:
		return Message{}, fmt.Errorf("%w: %w", NewRPCError(CodeTimeout, "no reply from %s to msg_id %d", dest, id), ErrNodeClosed)
	}
}

// shutdown runs when the input has ended: no reply can arrive any more, so
// every pending RPC is completed with a timeout now rather than later.
func (n *Node) shutdown() {
	n.rpcMu.Lock()
	n.closed = true
	pending := n.callbacks
	n.callbacks = make(map[int]*callback)
	for id, cb := range pending {
		if cb.timer != nil {
			cb.timer.Stop()
		}
		if cb.fn != nil {
			n.wg.Add(1)
			n.workers.dispatch(job{fn: cb.fn, msg: n.timeoutReply(cb.dest, id, "node input closed"), callback: true})
		}
	}
	close(n.done)
	n.rpcMu.Unlock()
}
