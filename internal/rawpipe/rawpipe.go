// Package rawpipe reads and writes pipes in non-blocking mode, waiting in
// the Go runtime's network poller when a call would block, as os.File
// does for a pipe it polls, but (on Linux) with raw system calls.
//
// Why: os.File's Read and Write go through the runtime's syscall entry,
// which wakes the scheduler's monitor thread (sysmon) whenever the process
// was idle. A node of 25 on two cores is idle between almost every pair
// of messages, and so, at times, is the harness: that was a futex wake, a
// thread switch and a few 20 µs sleeps of the monitor per message,
// measured at about a quarter of an echo node's CPU (docs/results/scale.md,
// "Hot path"). A read or write on a non-blocking pipe returns at once, so
// it needs nothing the syscall entry does (handing the P to another thread
// if the call blocks); where it would block, the goroutine parks in the
// poller instead.
//
// Both node processes (the node library's stdin and stdout) and the
// harness (its ends of every node's pipes) use it.
package rawpipe

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"
)

// Pipe is one end of a pipe (or a socket) registered with the poller.
// One Read, and one Write or TryWrite, may run at a time.
type Pipe struct {
	f  *os.File
	rc syscall.RawConn
	rd call
	wr call
	// readFn, writeFn, tryFn are the methods as values, made once so that
	// a call allocates nothing.
	readFn, writeFn func(fd uintptr) bool
	tryFn           func(fd uintptr)
}

// call is the state of one Read or Write.
type call struct {
	buf []byte
	n   int
	err error
}

// New wraps f, which must be in non-blocking mode and registered with the
// poller (as os.Pipe's ends are; see Pollable for others). ok is false if
// f is not.
func New(f *os.File) (p *Pipe, ok bool) {
	if f.SetReadDeadline(time.Time{}) != nil && f.SetWriteDeadline(time.Time{}) != nil {
		return nil, false // not registered with the poller
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, false
	}
	p = &Pipe{f: f, rc: rc}
	p.readFn = p.readOnce
	p.writeFn = p.writeAll
	p.tryFn = func(fd uintptr) { p.tryWrite(fd) }
	return p, true
}

// Pollable switches f to non-blocking mode and returns a new *os.File on
// its descriptor, registered with the poller, when f is a pipe or a socket;
// otherwise it returns f itself and false. The new file must be kept for
// as long as the descriptor is used: when it is collected, it closes it.
// The mode belongs to the open file, which f and any other process holding
// it share.
func Pollable(f *os.File) (*os.File, bool) {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return f, false
	}
	fd := int(f.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		return f, false
	}
	// NewFile sees the non-blocking flag and registers with the poller.
	p := os.NewFile(uintptr(fd), f.Name())
	if p.SetReadDeadline(time.Time{}) != nil { // not registered after all:
		_ = syscall.SetNonblock(fd, false) // plain blocking calls
		return p, false
	}
	return p, true
}

// File is the wrapped file.
func (p *Pipe) File() *os.File { return p.f }

// Close closes the file; a Read or Write waiting in the poller returns
// an error.
func (p *Pipe) Close() error { return p.f.Close() }

// Read reads once, waiting until there is something to read.
func (p *Pipe) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	p.rd = call{buf: b}
	err := p.rc.Read(p.readFn)
	n := p.rd.n
	if err == nil {
		err = p.rd.err
	}
	p.rd = call{}
	return n, err
}

// ReadEach reads the pipe until its end or an error, handing use what
// each read returns (buf's bytes, valid only during the call); it returns
// nil at the end of the input. use must not close the pipe (Close waits
// for ReadEach to return).
//
// Why not a loop of Read calls: after a read that got data, the next Read
// reads again only to get EAGAIN before it waits, since Read clears the
// poller's readiness before it reads and so cannot skip that read safely.
// For a reader woken for nearly every message (the harness reading a
// node's stdout), that is half of its reads. ReadEach stays in one
// RawConn.Read: a read shorter than buf emptied the pipe (a pipe read
// stops short only then), so it waits at once for the next write, whose
// readiness event it cannot miss (a stale event costs at worst one EAGAIN
// read). Only for pipes: a short read from a socket does not prove it
// empty.
//
// One event can be missed: the writer's close. If its hang-up is reported
// together with the last data (one readiness event for both), the read of
// that data is short, and no event follows the end of the input. So the
// wait has a deadline, eofRecheck, after which ReadEach reads again (and
// sees the end) and waits anew: a closed pipe's end is seen at most that
// late, and an idle reader wakes a few times a second.
func (p *Pipe) ReadEach(buf []byte, use func([]byte)) error {
	defer p.f.SetReadDeadline(time.Time{})
	for {
		if p.f.SetReadDeadline(time.Now().Add(eofRecheck)) != nil {
			return p.readEach(buf, use) // no deadlines: not expected of a polled pipe
		}
		err := p.readEach(buf, use)
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
	}
}

// Recheck makes a ReadEach that is waiting read again now: for a reader
// that knows the writer has gone (its process exited), so the end of the
// input is seen at once rather than after eofRecheck.
func (p *Pipe) Recheck() { p.f.SetReadDeadline(time.Now()) }

// eofRecheck bounds how long ReadEach waits before it reads again.
const eofRecheck = 100 * time.Millisecond

// readEach is one RawConn.Read of ReadEach.
func (p *Pipe) readEach(buf []byte, use func([]byte)) error {
	var err error
	rerr := p.rc.Read(func(fd uintptr) bool {
		for {
			n, errno := sysRead(fd, buf)
			switch errno {
			case 0:
				if n == 0 {
					err = io.EOF
					return true
				}
				use(buf[:n])
				if n < len(buf) {
					return false // emptied: wait for the next write
				}
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false
			default:
				err = p.pathErr("read", errno)
				return true
			}
		}
	})
	if rerr != nil {
		return rerr
	}
	if err == io.EOF {
		return nil
	}
	return err
}

// Write writes all of b, waiting whenever the pipe is full.
func (p *Pipe) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	p.wr = call{buf: b}
	err := p.rc.Write(p.writeFn)
	n := p.wr.n
	if err == nil {
		err = p.wr.err
	}
	p.wr = call{}
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	return n, err
}

// TryWrite writes as much of b as the pipe takes without waiting. n <
// len(b) with a nil error means the pipe is full.
func (p *Pipe) TryWrite(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	p.wr = call{buf: b}
	err := p.rc.Control(p.tryFn)
	n := p.wr.n
	if err == nil {
		err = p.wr.err
	}
	p.wr = call{}
	return n, err
}

// readOnce reads once into rd.buf; false asks the poller to wait.
func (p *Pipe) readOnce(fd uintptr) bool {
	for {
		n, errno := sysRead(fd, p.rd.buf)
		switch errno {
		case 0:
			p.rd.n = n
			if n == 0 {
				p.rd.err = io.EOF
			}
			return true
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			p.rd.err = p.pathErr("read", errno)
			return true
		}
	}
}

// writeAll writes the rest of wr.buf; false asks the poller to wait
// until the pipe has room.
func (p *Pipe) writeAll(fd uintptr) bool {
	return p.tryWrite(fd) || p.wr.n == len(p.wr.buf)
}

// tryWrite writes what it can of wr.buf; it is false when the pipe is
// full before the end.
func (p *Pipe) tryWrite(fd uintptr) bool {
	for p.wr.n < len(p.wr.buf) {
		n, errno := sysWrite(fd, p.wr.buf[p.wr.n:])
		switch errno {
		case 0:
			p.wr.n += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			p.wr.err = p.pathErr("write", errno)
			return true
		}
	}
	return true
}

func (p *Pipe) pathErr(op string, errno syscall.Errno) error {
	return &os.PathError{Op: op, Path: p.f.Name(), Err: errno}
}
