package node

import (
	"context"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"

	"glomers/internal/rawpipe"
)

// tuneProcs lowers GOMAXPROCS to this node's share of the machine's CPUs
// (at least 1) once init says how many nodes there are, unless the
// GOMAXPROCS environment variable was set. Maelstrom runs every node as a
// process on the same machine, so 25 nodes on two cores each running two
// Ps spend their time in the scheduler spinning for work and switching
// threads, not in handlers.
func (n *Node) tuneProcs(nodes int) {
	if !n.ownsProcess || nodes <= 1 || os.Getenv("GOMAXPROCS") != "" {
		return
	}
	share := max(1, (runtime.NumCPU()+nodes-1)/nodes)
	if share < runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(share)
	}
}

// Context returns a context that ends when the node shuts down: when its
// input ends (Maelstrom's way of stopping a node), or when the process
// receives SIGINT or SIGTERM. Background goroutines of a node program
// (gossip tickers, flush loops) select on it instead of wiring signals
// themselves:
//
//	go gossip(n.Context())
//
// On a signal the context is cancelled, the output written so far is
// flushed, and the signal is raised again with its default action, so the
// process ends exactly as it would have without this helper. Signals are
// only watched once Context has been called, and only by a node made with
// NewNode (in-process nodes share their process with others).
func (n *Node) Context() context.Context {
	n.ctxOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		n.ctx = ctx
		go func() { <-n.done; cancel() }()
		if !n.ownsProcess {
			return
		}
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
		go func() {
			select {
			case sig := <-sigs:
				cancel()
				n.out.flush()
				signal.Reset(sig)
				if p, err := os.FindProcess(os.Getpid()); err == nil {
					_ = p.Signal(sig)
				}
			case <-n.done:
				signal.Stop(sigs)
			}
		}()
	})
	return n.ctx
}

// contextState is the lazily made shutdown context of a node.
type contextState struct {
	ctxOnce sync.Once
	ctx     context.Context
}

// pollableStdin is os.Stdin made pollable, once per process: a second
// *os.File on fd 0 could not register with the poller again (and would
// close fd 0 when collected). Read through the poller, the input loop parks
// like any goroutine and one thread runs the loop and the handlers in turn;
// on a blocking pipe the reading thread sleeps in the kernel, and each
// handler goroutine the input starts needs another thread woken to run it
// (futex calls, context switches: measured, most of a node's cost per
// message). rawpipe reads it without the runtime's syscall entry, which
// would wake the scheduler's monitor thread after every idle spell.
var pollableStdin = sync.OnceValue(func() io.Reader { return pipeOf(os.Stdin) })

// pollableStdout is os.Stdout made pollable in the same way, once per
// process, for the outbox of a node whose Stdout is still os.Stdout (see
// Node.output). The non-blocking mode is a property of the pipe's open
// file, which os.Stdout shares: a program that also writes to os.Stdout
// directly (which would put a non-message on the wire anyway) may see
// EAGAIN when the pipe is full.
var pollableStdout = sync.OnceValue(func() io.Writer { return pipeOf(os.Stdout) })

// pipeOf returns f as a rawpipe.Pipe when it is a pipe or socket (as
// Maelstrom connects nodes), else f itself.
func pipeOf(f *os.File) interface {
	io.Reader
	io.Writer
} {
	p, polled := rawpipe.Pollable(f)
	if polled {
		if rp, ok := rawpipe.New(p); ok {
			return rp
		}
	}
	return p
}
