package node

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LogEnv is the environment variable that switches the library's stderr
// log on: GLOMERS_LOG=1. Off by default, because Maelstrom stores every
// stderr line and a log line per message costs more than the message.
const LogEnv = "GLOMERS_LOG"

// MaxLineSize is the longest input line the node reads; longer lines are
// skipped (and logged). It is far above anything Maelstrom sends.
const MaxLineSize = 128 << 20

// DefaultRPCTimeout bounds RPC callbacks and SyncRPC calls whose context
// has no deadline, so that no callback or goroutine waits forever on a
// node that never answers. Change it per node with SetRPCTimeout.
const DefaultRPCTimeout = 5 * time.Second

// Node is one Maelstrom node: it reads messages from its input, dispatches
// requests to handlers (each in its own goroutine, unless registered with
// HandleNonBlocking), routes replies to RPC callbacks, and writes messages
// to its output one line each.
type Node struct {
	// Stdin is where Run reads messages from, as in demo/go. NewNode sets
	// it to os.Stdin; replace it before Run.
	Stdin io.Reader
	// Stdout is where messages are written, as in demo/go. NewNode sets
	// it to os.Stdout; replace it before the first message is sent.
	Stdout io.Writer

	out *outbox

	handlersMu sync.RWMutex
	handlers   map[string]handlerEntry

	ident atomic.Pointer[identity]

	nextMsgID atomic.Int64

	rpcMu      sync.Mutex
	callbacks  map[int]*callback
	closed     bool
	timed      int          // callbacks with a deadline, see sweep
	sweeping   bool         // the sweep goroutine runs
	rpcTimeout atomic.Int64 // time.Duration
	grace      atomic.Int64 // time.Duration, see SetShutdownGrace

	maxLine int // MaxLineSize; smaller in tests

	workers *workers
	intern  *interner // used by the input loop only

	// onInput is set while the input loop runs a non-blocking handler or
	// callback, inputGoroutine is the loop's goroutine id (nonblocking.go).
	onInput        atomic.Bool
	inputGoroutine atomic.Uint64

	running atomic.Bool
	wg      sync.WaitGroup // handler and callback goroutines
	done    chan struct{}  // closed when the input has ended

	logger atomic.Pointer[log.Logger]

	contextState
	// ownsProcess: the node runs on the process's own stdin and stdout
	// (NewNode), so it may tune GOMAXPROCS (see tuneProcs) and watch
	// signals (see Context); in-process nodes (NewNodeIO) do neither.
	ownsProcess bool
}

type identity struct {
	id  string
	ids []string
}

// NewNode returns a node that reads stdin and writes stdout. Logging goes
// to stderr when GLOMERS_LOG=1.
func NewNode() *Node {
	n := NewNodeIO(pollableStdin(), os.Stdout)
	n.ownsProcess = true
	return n
}

// NewNodeIO returns a node on the given input and output, for tests and
// in-process use. Logging goes to stderr when GLOMERS_LOG=1.
func NewNodeIO(in io.Reader, out io.Writer) *Node {
	n := &Node{
		Stdin:     in,
		Stdout:    out,
		handlers:  make(map[string]handlerEntry),
		callbacks: make(map[int]*callback),
		done:      make(chan struct{}),
		maxLine:   MaxLineSize,
		intern:    newInterner(),
	}
	n.out = newOutbox(n.output)
	n.workers = newWorkers(n.runJob)
	n.rpcTimeout.Store(int64(DefaultRPCTimeout))
	n.grace.Store(int64(DefaultShutdownGrace))
	if os.Getenv(LogEnv) == "1" {
		n.SetLogOutput(os.Stderr)
	}
	return n
}

// output is where the outbox writes, resolved at the first write: the
// node's Stdout, except that a NewNode node whose Stdout is still the
// process's stdout writes it through the poller (pollableStdout).
func (n *Node) output() io.Writer {
	if f, ok := n.Stdout.(*os.File); ok && n.ownsProcess && f == os.Stdout {
		return pollableStdout()
	}
	return n.Stdout
}

// SetLogOutput sends the node's log to w; nil switches logging off.
func (n *Node) SetLogOutput(w io.Writer) {
	if w == nil {
		n.logger.Store(nil)
		return
	}
	n.logger.Store(log.New(w, "", log.Ltime|log.Lmicroseconds))
}

// Logf writes one line to the node's log, if logging is on.
func (n *Node) Logf(format string, args ...any) {
	if l := n.logger.Load(); l != nil {
		l.Printf(format, args...)
	}
}

// SetRPCTimeout sets the timeout of RPC callbacks and of SyncRPC calls
// whose context has no deadline; d <= 0 restores DefaultRPCTimeout.
func (n *Node) SetRPCTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultRPCTimeout
	}
	n.rpcTimeout.Store(int64(d))
}

// RPCTimeout is the current RPC timeout.
func (n *Node) RPCTimeout() time.Duration { return time.Duration(n.rpcTimeout.Load()) }

// Init sets the node's id and the cluster's ids, as an init message does.
// Run calls it; tests of node algorithms may call it directly.
func (n *Node) Init(id string, nodeIDs []string) {
	n.ident.Store(&identity{id: id, ids: slices.Clone(nodeIDs)})
}

// ID is this node's id ("" before init).
func (n *Node) ID() string {
	if p := n.ident.Load(); p != nil {
		return p.id
	}
	return ""
}

// NodeIDs lists every node of the cluster, this one included, in the order
// of the init message (nil before init). The slice is shared: do not
// modify it.
func (n *Node) NodeIDs() []string {
	if p := n.ident.Load(); p != nil {
		return p.ids
	}
	return nil
}

// Initialized tells whether the node has received init.
func (n *Node) Initialized() bool { return n.ident.Load() != nil }

// Done is closed when the node's input has ended; background goroutines of
// a node program should stop then.
func (n *Node) Done() <-chan struct{} { return n.done }

// Handle registers the handler of requests of type typ; it panics if typ
// has one already, as demo/go's does. Register handlers before Run. Each
// message runs its handler on its own goroutine (as in demo/go), so a
// handler may block, call SyncRPC or KV, and wait for RPC callbacks while
// the input loop keeps reading. A handler for "init" runs after the ids
// are set and before init_ok is sent, on its own goroutine like any other:
// it may call SyncRPC and KV (to seed a key, say); init_ok goes out when it
// returns nil, an error reply when it fails. HandleNonBlocking is the
// opt-in for handlers that never block.
func (n *Node) Handle(typ string, fn HandlerFunc) {
	n.addHandler(typ, handlerEntry{fn: fn})
}

// handlerEntry is a registered handler and where it runs.
type handlerEntry struct {
	fn HandlerFunc
	// onInput: registered with HandleNonBlocking, it runs on the input
	// loop's goroutine instead of a worker.
	onInput bool
}

func (n *Node) addHandler(typ string, h handlerEntry) {
	n.handlersMu.Lock()
	defer n.handlersMu.Unlock()
	if _, ok := n.handlers[typ]; ok {
		panic(fmt.Sprintf("node: duplicate handler for %q", typ))
	}
	n.handlers[typ] = h
}

func (n *Node) handler(typ string) handlerEntry {
	n.handlersMu.RLock()
	h := n.handlers[typ]
	n.handlersMu.RUnlock()
	return h
}

// Run reads and dispatches messages until the input ends, then fails the
// RPCs still waiting (no reply can come any more), waits for running
// handlers and callbacks (at most the shutdown grace, see
// SetShutdownGrace), flushes the output and returns. Bad input never
// makes Run return: it is logged and skipped, or answered with an error.
// The returned error is a read error other than EOF, or an output error.
func (n *Node) Run() error {
	if !n.running.CompareAndSwap(false, true) {
		return errors.New("node: Run called twice")
	}
	if id, ok := goroutineID(); ok {
		n.inputGoroutine.Store(id)
	}
	r := bufio.NewReaderSize(n.Stdin, 64<<10)
	var long []byte
	var readErr error
	busy := false // see outbox: lines queue while the loop has input
	for {
		if busy && !hasLine(r) {
			n.out.setBusy(false) // about to block: write what queued
			busy = false
		}
		line, err := readLine(r, &long, n.maxLine)
		if !busy {
			n.out.setBusy(true)
			busy = true
		}
		if err == errLineTooLong {
			n.Logf("skipping input line longer than %d bytes", n.maxLine)
			continue
		}
		if len(line) > 0 {
			n.handleLine(line)
		}
		if err != nil {
			if err != io.EOF {
				readErr = err
			}
			break
		}
	}
	n.shutdown()
	if n.waitHandlers() {
		n.workers.quit() // every dispatched job has finished
	}
	return errors.Join(readErr, n.out.close())
}

// waitHandlers waits for running handlers and callbacks, at most the
// shutdown grace. A handler stuck for longer (waiting on something that
// will never happen) must not keep the process from exiting at EOF; what it
// sends afterwards is dropped with ErrClosed.
func (n *Node) waitHandlers() bool {
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	t := time.NewTimer(n.ShutdownGrace())
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		n.Logf("input ended; handlers still running after %v, returning anyway", n.ShutdownGrace())
		return false
	}
}

// DefaultShutdownGrace is how long Run waits at EOF for running handlers.
const DefaultShutdownGrace = 10 * time.Second

// SetShutdownGrace sets how long Run waits at EOF for running handlers;
// d <= 0 restores DefaultShutdownGrace.
func (n *Node) SetShutdownGrace(d time.Duration) {
	if d <= 0 {
		d = DefaultShutdownGrace
	}
	n.grace.Store(int64(d))
}

// ShutdownGrace is the current shutdown grace.
func (n *Node) ShutdownGrace() time.Duration { return time.Duration(n.grace.Load()) }

var errLineTooLong = errors.New("node: input line too long")

// hasLine tells whether r holds a complete line, i.e. whether the next
// readLine returns without reading (and so without blocking).
func hasLine(r *bufio.Reader) bool {
	b, _ := r.Peek(r.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}

// readLine returns the next line without its line ending. Lines that fit
// the reader's buffer are returned without copying; longer ones are
// assembled in *long, up to MaxLineSize.
func readLine(r *bufio.Reader, long *[]byte, limit int) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		buf := append((*long)[:0], line...)
		tooLong := false
		for err == bufio.ErrBufferFull {
			line, err = r.ReadSlice('\n')
			if !tooLong && len(buf)+len(line) > limit {
				tooLong, buf = true, buf[:0]
			}
			if !tooLong {
				buf = append(buf, line...)
			}
		}
		if cap(buf) <= maxKeptBuffer {
			*long = buf
		} else {
			*long = nil
		}
		if tooLong {
			if err == nil {
				err = errLineTooLong
			}
			return nil, err
		}
		line = buf
	}
	line = bytes.TrimRight(line, "\r\n")
	return line, err
}

// handleLine parses one line and routes it: replies to their callbacks,
// init to the init handling, requests to their handlers.
func (n *Node) handleLine(line []byte) {
	msg, err := parseLine(line, n.intern)
	if err != nil {
		pe, _ := isParseError(err)
		if pe != nil && pe.reply {
			n.replyError(msg, NewRPCErrorf(MalformedRequest, "%s", pe.msg))
			return
		}
		n.Logf("skipping input: %v: %.200q", err, line)
		return
	}
	h := msg.hdr
	switch {
	case h.hasInReplyTo:
		n.deliverReply(msg)
		return
	case h.typ == "init":
		n.handleInit(msg)
		return
	case !n.Initialized():
		n.replyError(msg, NewRPCError(TemporarilyUnavailable, "node has not received init yet"))
		return
	}
	entry := n.handler(h.typ)
	switch {
	case entry.fn == nil:
		n.replyError(msg, NewRPCErrorf(NotSupported, "unsupported message type %q", h.typ))
	case entry.onInput:
		n.runOnInput(job{fn: entry.fn, msg: msg})
	default:
		n.wg.Add(1)
		n.workers.dispatch(job{fn: entry.fn, msg: msg})
	}
}

// runJob runs a handler or callback on a worker goroutine.
func (n *Node) runJob(j job) {
	defer n.wg.Done()
	n.finishJob(j)
}

// finishJob runs a handler, replying with its error, or an RPC callback,
// logging its error.
func (n *Node) finishJob(j job) {
	err := n.call(j.fn, j.msg)
	switch {
	case err == nil:
	case j.callback:
		n.Logf("callback for reply %d from %s: %v", j.msg.InReplyTo(), j.msg.Src, err)
	default:
		n.replyError(j.msg, err)
	}
}

// call runs fn and turns a panic into a crash error.
func (n *Node) call(fn HandlerFunc, msg Message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if n.logger.Load() != nil {
				n.Logf("handler for %q panicked: %v\n%s", msg.Type(), p, debug.Stack())
			}
			err = NewRPCErrorf(Crash, "handler panicked: %v", p)
		}
	}()
	return fn(msg)
}

func (n *Node) handleInit(msg Message) {
	var body InitMessageBody
	if err := unmarshal(msg.Body, &body); err != nil || body.NodeID == "" {
		if err == nil {
			err = errors.New("node_id is missing")
		}
		n.replyError(msg, Malformed(msg, err))
		return
	}
	// The ids are set here, on the input loop, so that messages arriving
	// while the user's init handler runs find the node initialized.
	n.Init(body.NodeID, body.NodeIDs)
	n.tuneProcs(len(body.NodeIDs))
	n.Logf("initialized as %s of %v", body.NodeID, body.NodeIDs)
	n.wg.Add(1)
	n.workers.dispatch(job{fn: n.finishInit, msg: msg})
}

// finishInit runs the user's init handler, if any, then sends init_ok. It
// runs on a worker goroutine, so the handler may wait for replies.
func (n *Node) finishInit(msg Message) error {
	if h := n.handler("init"); h.fn != nil {
		if err := h.fn(msg); err != nil {
			return err
		}
	}
	return n.Reply(msg, MessageBody{Type: "init_ok"})
}

// errorBody is the wire form of an error reply.
type errorBody struct {
	Type string `json:"type"`
	Code int    `json:"code"`
	Text string `json:"text,omitempty"`
}

// replyError answers req with err's code: its own for an *RPCError in the
// chain, 0 for a context deadline, 13 crash for anything else. Messages
// without msg_id expect no answer; the error is only logged.
func (n *Node) replyError(req Message, err error) {
	code, _ := CodeOf(err)
	text := err.Error()
	var rpcErr *RPCError
	if errors.As(err, &rpcErr) {
		text = rpcErr.Text
	}
	if !req.HasMsgID() {
		n.Logf("dropping error for %q from %s without msg_id: %v", req.Type(), req.Src, err)
		return
	}
	if err := n.Reply(req, errorBody{Type: "error", Code: code, Text: text}); err != nil {
		n.Logf("error reply to %s: %v", req.Src, err)
	}
}

// srcFor is the src of messages the node sends: its id, or, before init,
// the dest the request was addressed to.
func (n *Node) srcFor(req *Message) string {
	if id := n.ID(); id != "" {
		return id
	}
	if req != nil {
		return req.Dest
	}
	return ""
}

// ErrNotInitialized is returned by Send and RPC before the node has its id.
var ErrNotInitialized = errors.New("node: not initialized")

// Reply sends body to the sender of req, with in_reply_to set to req's
// msg_id. body may be any value that marshals to a JSON object (a struct
// embedding MessageBody, a map, json.RawMessage).
func (n *Node) Reply(req Message, body any) error {
	if !req.HasMsgID() {
		return fmt.Errorf("node: cannot reply to %q from %s: it has no msg_id", req.Type(), req.Src)
	}
	return n.send(n.srcFor(&req), req.Src, body, -1, req.MsgID())
}

// Send sends body to dest without expecting a reply.
func (n *Node) Send(dest string, body any) error {
	src := n.ID()
	if src == "" {
		return ErrNotInitialized
	}
	return n.send(src, dest, body, -1, -1)
}

// send encodes body and queues the line; msgID and inReplyTo are set in the
// body unless negative.
func (n *Node) send(src, dest string, body any, msgID, inReplyTo int) error {
	scratch := scratchPool.Get().(*[]byte)
	b, err := encodeBody((*scratch)[:0], body)
	if err == nil {
		var rewritten bool
		b, rewritten, err = setReserved(b, msgID, inReplyTo)
		if err == nil {
			err = n.out.appendLine(func(buf []byte) ([]byte, error) {
				return appendEnvelope(buf, src, dest, b, msgID, inReplyTo, rewritten), nil
			})
		}
	}
	// Every buffer b can be is the library's own (scratch grown, or a
	// fresh one): keep it for the next send unless it is huge.
	if cap(b) <= maxKeptBuffer && cap(b) >= cap(*scratch) {
		*scratch = b[:0]
	}
	scratchPool.Put(scratch)
	return err
}
