// Package process runs one node binary as a network party, as Maelstrom's
// src/maelstrom/process.clj does: messages due for the node are written to
// its stdin as JSON lines, every stdout line is parsed as a message and sent
// into the network, and stderr goes to a log file. Unlike Maelstrom, a line
// that is not a valid message does not stop the reader: it is counted,
// sampled and skipped, and the node keeps talking.
//
// A node can never hang the harness: its input queue is bounded (past the
// limit messages to it are dropped and counted), its output lines are
// bounded (a longer line is skipped as garbage), and Stop closes its stdin
// and kills its process group before it waits for anything, each wait
// bounded in time. On Linux a node also dies with the harness, even when
// the harness is SIGKILLed (a parent-death signal).
package process

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"glomers/harness/netsim"
	"glomers/internal/jsonscan"
	"glomers/internal/rawpipe"
)

// Options describe one node process.
type Options struct {
	ID   string
	Bin  string
	Args []string
	// StderrPath receives the node's stderr (created; "" discards it).
	StderrPath string
	// AppendStderr appends to StderrPath instead of truncating it (a node
	// restarted by the kill nemesis keeps one log).
	AppendStderr bool
	// Env is added to the harness's environment for the node process.
	Env []string
	// EchoStderr, when set, also receives every stderr line prefixed with
	// the node id (Maelstrom's --log-stderr).
	EchoStderr io.Writer
	Net        *netsim.Network
	// InputQueueLimit bounds the bytes queued for the node's stdin
	// (DefaultInputQueueLimit when 0).
	InputQueueLimit int
	// MaxLineBytes bounds one stdout line (DefaultMaxLineBytes when 0).
	MaxLineBytes int
	// Group, if set, tracks the node while it runs so a signal handler can
	// kill every node at once.
	Group *Group
}

// DefaultInputQueueLimit is how much may wait for a node's stdin before
// messages to it are dropped: far more than a node that reads keeps
// waiting, small enough that a few stalled nodes cost little memory.
const DefaultInputQueueLimit = 16 << 20

// DefaultMaxLineBytes bounds one line of a node's stdout. Messages are far
// smaller; a longer line is garbage, and reading it whole could exhaust
// the harness's memory.
const DefaultMaxLineBytes = 16 << 20

// stopGrace bounds each wait in Stop: for the process to die after
// SIGKILL, and for its pipes to drain.
const stopGrace = 2 * time.Second

// tailLines is how many recent stdout/stderr lines are kept for reports
// (Maelstrom's debug-buffer-size).
const tailLines = 32

// maxGarbageSamples bounds the invalid lines kept verbatim.
const maxGarbageSamples = 5

// Report is what went wrong with a node, if anything.
type Report struct {
	Node string `json:"node"`
	// Exited is true when the process ended before the harness stopped it.
	Exited     bool   `json:"exited"`
	ExitStatus string `json:"exit-status,omitempty"`
	// GarbageCount counts stdout lines that were not valid messages.
	GarbageCount  int      `json:"garbage-count"`
	GarbageSample []string `json:"garbage-sample,omitempty"`
	// Restarts counts the times the kill nemesis killed and restarted the
	// node; those deaths are the harness's doing and never set Exited.
	Restarts   int      `json:"restarts,omitempty"`
	StderrTail []string `json:"stderr-tail,omitempty"`
	StderrPath string   `json:"stderr-path,omitempty"`

	// ExitedAt is when (seconds into the test) a node that Exited died.
	ExitedAt *float64 `json:"exited-at,omitempty"`
	// InputDropped counts messages to the node dropped because its input
	// queue was full: it had stopped reading its stdin, at StoppedReadingAt
	// seconds into the test (about: the last time it took input).
	InputDropped     int64    `json:"input-dropped,omitempty"`
	StoppedReadingAt *float64 `json:"stopped-reading-at,omitempty"`
	// StdoutClosedAt is when the node closed its stdout while it kept
	// running (seconds into the test).
	StdoutClosedAt *float64 `json:"stdout-closed-at,omitempty"`
	// WrongSrcCount counts messages the node wrote that were dropped for
	// their src: its input written back to it, or a src the network does
	// not know. WrongSrcSample keeps the first.
	WrongSrcCount  int    `json:"wrong-src-count,omitempty"`
	WrongSrcSample string `json:"wrong-src-sample,omitempty"`
	// Problems says in words what went wrong, one sentence each.
	Problems []string `json:"problems,omitempty"`
}

// OK reports whether the node behaved: it did not die, printed nothing but
// messages from itself, read its input and kept its stdout open.
func (r Report) OK() bool {
	return !r.Exited && r.GarbageCount == 0 && r.InputDropped == 0 && r.WrongSrcCount == 0 && r.StdoutClosedAt == nil
}

// Node is a running node process.
type Node struct {
	opts    Options
	cmd     *exec.Cmd
	stdin   *rawpipe.Pipe
	stdout  *os.File // read ends, closed by Stop if they never reach EOF
	stderr  *os.File
	mailbox *netsim.Mailbox
	exited  chan struct{} // the process has ended (and been reaped)
	drained chan struct{} // stdout and stderr have reached EOF
	// misbehaved is closed at the first message with a wrong src.
	misbehaved     chan struct{}
	misbehavedOnce sync.Once
	readers        sync.WaitGroup
	// Input for stdin not written yet: inputParts from inputPart on (from
	// inputOff in the first) and the messages in inputQueue from inputNext
	// on; input is
	// the buffer lines are formatted in. These and writeFailed are touched
	// only by the mailbox's handler (writeInput), whose calls never
	// overlap.
	input       []byte
	inputParts  [][]byte
	inputPart   int
	inputOff    int
	inputQueue  []netsim.Message
	inputNext   int
	writeFailed bool
	// detached is set when the harness begins to stop the node: what it
	// writes from then on is not the test's.
	detached atomic.Bool

	mu             sync.Mutex
	stopping       bool
	exitErr        error
	exitedAt       time.Duration
	stdoutClosedAt time.Duration // 0: open, or closed as the process ended
	garbage        int
	garbageLines   []string
	wrongSrc       int
	wrongSrcLine   string
	stderrTail     []string
}

// Start spawns the binary and attaches it to the network under opts.ID.
func Start(opts Options) (*Node, error) {
	bin, err := exec.LookPath(opts.Bin)
	if err != nil {
		return nil, fmt.Errorf("node binary %q: %w", opts.Bin, err)
	}
	cmd := exec.Command(bin, opts.Args...)
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.SysProcAttr = sysProcAttr()
	// Our own pipes, not cmd's: cmd.Wait would close stdout and stderr,
	// so it could not run until they drain, and a node that exits would
	// not be seen to while a child of it holds them open; and our end of
	// stdin is written without a goroutine of its own (writeInput).
	closeAll := func(fs ...*os.File) {
		for _, f := range fs {
			f.Close()
		}
	}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		closeAll(stdinR, stdinW)
		return nil, err
	}
	stderr, stderrW, err := os.Pipe()
	if err != nil {
		closeAll(stdinR, stdinW, stdout, stdoutW)
		return nil, err
	}
	stdin, ok := rawpipe.New(stdinW)
	if !ok {
		closeAll(stdinR, stdinW, stdout, stdoutW, stderr, stderrW)
		return nil, errors.New("the pipe to the node's stdin cannot be polled")
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, stdoutW, stderrW
	var logFile *os.File
	if opts.StderrPath != "" {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if opts.AppendStderr {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		if logFile, err = os.OpenFile(opts.StderrPath, flags, 0o644); err != nil {
			closeAll(stdinR, stdinW, stdout, stdoutW, stderr, stderrW)
			return nil, err
		}
	}
	if err := cmd.Start(); err != nil {
		if logFile != nil {
			logFile.Close()
		}
		closeAll(stdinR, stdinW, stdout, stdoutW, stderr, stderrW)
		return nil, fmt.Errorf("starting %s (%s): %w", opts.ID, opts.Bin, err)
	}
	closeAll(stdinR, stdoutW, stderrW) // the node holds them now
	if opts.InputQueueLimit <= 0 {
		opts.InputQueueLimit = DefaultInputQueueLimit
	}
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	n := &Node{
		opts: opts, cmd: cmd, stdin: stdin, stdout: stdout, stderr: stderr,
		exited: make(chan struct{}), drained: make(chan struct{}), misbehaved: make(chan struct{}),
	}
	opts.Group.add(n)
	n.mailbox = netsim.NewDirectMailbox(n.writeInput).Bound(opts.InputQueueLimit)
	opts.Net.Add(opts.ID, n.mailbox)
	n.readers.Add(2)
	stdoutPipe, _ := rawpipe.New(stdout) // nil: read with os.File.Read
	go n.readStdout(stdout, stdoutPipe)
	go n.readStderr(stderr, logFile)
	go func() {
		n.readers.Wait()
		close(n.drained)
	}()
	go func() {
		err := cmd.Wait()
		if stdoutPipe != nil {
			// The process's end of stdout is closed: see that at once
			// (ReadEach may have missed the hang-up; see there).
			stdoutPipe.Recheck()
		}
		n.mu.Lock()
		n.exitErr = err
		n.exitedAt = opts.Net.Since()
		n.mu.Unlock()
		close(n.exited)
		opts.Group.remove(n)
	}()
	return n, nil
}

// ID is the node's id.
func (n *Node) ID() string { return n.opts.ID }

// Exited is closed when the process has ended.
func (n *Node) Exited() <-chan struct{} { return n.exited }

// Misbehaved is closed when the node first writes a message it cannot
// have meant: one to itself from someone else (a node that echoes its
// input, as cat does, writes back messages from its senders), or one from
// a src the network does not know.
func (n *Node) Misbehaved() <-chan struct{} { return n.misbehaved }

// writeInput is the input mailbox's handler: it writes the batch to the
// node's stdin as JSON lines, as many as fit in inputChunk per write (one
// system call and one wake-up of the node for everything that queued
// while the last write was under way). Called by a delivering goroutine
// (wait false), it writes what the pipe takes at once and keeps the rest;
// called by the mailbox's goroutine (wait true), it waits for the node to
// read. Messages wait unformatted, and a large body is written from where
// it lies, between its envelope's two ends: formatted bytes are at most
// one chunk, so large messages (a kafka log read by many clients at once)
// are never copied.
func (n *Node) writeInput(batch []netsim.Message, wait bool) (finished bool) {
	if n.writeFailed {
		return true // the process is gone; its exit is reported
	}
	n.inputQueue = append(n.inputQueue, batch...)
	for {
		if n.inputPart == len(n.inputParts) && !n.formatInput() {
			return true
		}
		part := n.inputParts[n.inputPart][n.inputOff:]
		var written int
		var err error
		if wait {
			written, err = n.stdin.Write(part)
		} else {
			written, err = n.stdin.TryWrite(part)
		}
		if err != nil {
			n.writeFailed = true
			clear(n.inputQueue)
			clear(n.inputParts)
			n.inputQueue, n.inputNext, n.inputParts, n.inputPart, n.inputOff = nil, 0, nil, 0, 0
			return true
		}
		if written < len(part) {
			n.inputOff += written
			return false // the pipe is full (only without wait)
		}
		n.inputParts[n.inputPart] = nil // let go of a large body
		n.inputPart, n.inputOff = n.inputPart+1, 0
	}
}

// formatInput sets inputParts to what to write next: queued messages
// formatted into input, up to inputChunk bytes, or one large message as
// its envelope's head, its body and the envelope's end. It is false when
// nothing is queued.
func (n *Node) formatInput() bool {
	n.input = n.input[:0]
	n.inputParts, n.inputPart = n.inputParts[:0], 0
	for n.inputNext < len(n.inputQueue) {
		m := &n.inputQueue[n.inputNext]
		if len(m.Body) > inputChunk {
			if len(n.input) > 0 {
				break // write what is formatted first
			}
			n.input = appendHead(n.input, *m)
			n.inputParts = append(n.inputParts, n.input, m.Body, lineEnd)
		} else if len(n.input)+len(m.Body) > inputChunk {
			break
		} else {
			n.input = append(appendHead(n.input, *m), m.Body...)
			n.input = append(n.input, lineEnd...)
		}
		*m = netsim.Message{} // the queue no longer holds the body
		n.inputNext++
		if len(n.inputParts) > 0 {
			break
		}
	}
	if n.inputNext == len(n.inputQueue) {
		n.inputQueue, n.inputNext = n.inputQueue[:0], 0
	}
	if len(n.inputParts) == 0 && len(n.input) > 0 {
		n.inputParts = append(n.inputParts, n.input)
	}
	return len(n.inputParts) > 0
}

// inputChunk bounds the bytes of formatted messages one write to stdin
// carries (a pipe holds 64 KiB); a body larger than that is written from
// its own bytes.
const inputChunk = 64 << 10

var lineEnd = []byte("}\n")

// appendHead appends the start of m's line, up to its body.
func appendHead(b []byte, m netsim.Message) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, m.ID, 10)
	b = append(b, `,"src":`...)
	b = netsim.AppendQuotedID(b, m.Src)
	b = append(b, `,"dest":`...)
	b = netsim.AppendQuotedID(b, m.Dest)
	return append(b, `,"body":`...)
}

// parseLine checks a stdout line the way Maelstrom's parse-msg does: JSON,
// with string src and dest and an object body. Ordinary lines are read by
// scanLine; any line it does not settle goes to parseLineStd, so results
// and error texts are exactly encoding/json's (FuzzParseLine checks that
// the two agree). body may alias line.
func parseLine(line []byte) (src, dest string, body json.RawMessage, err error) {
	if src, dest, body, ok := scanLine(line); ok {
		return src, dest, body, nil
	}
	return parseLineStd(line)
}

// scanLine is parseLine's fast path: one pass that validates the line as
// it reads its top-level members, without encoding/json. It returns ok only for a good
// message that parseLineStd would read the same way; it gives up on
// anything else (a bad line, a non-string src, a key that encoding/json
// would match case-insensitively). body aliases line.
func scanLine(line []byte) (src, dest string, body []byte, ok bool) {
	f, ok := jsonscan.CheckObject(line) // validated as it is read
	if !ok {
		return "", "", nil, false
	}
	var srcVal, destVal []byte
	for {
		key, val, more := f.Next()
		if !more {
			if !f.OK() {
				return "", "", nil, false
			}
			break
		}
		switch string(key) {
		case "src":
			srcVal = val
		case "dest":
			destVal = val
		case "body":
			body = val
		default:
			if bytes.EqualFold(key, []byte("src")) || bytes.EqualFold(key, []byte("dest")) || bytes.EqualFold(key, []byte("body")) {
				return "", "", nil, false
			}
		}
		if (srcVal != nil && srcVal[0] != '"') || (destVal != nil && destVal[0] != '"') {
			return "", "", nil, false // null or a type error: encoding/json decides
		}
	}
	if srcVal == nil || destVal == nil || len(body) == 0 || body[0] != '{' {
		return "", "", nil, false
	}
	if src, ok = jsonscan.DecodeString(srcVal); !ok {
		return "", "", nil, false
	}
	if dest, ok = jsonscan.DecodeString(destVal); !ok {
		return "", "", nil, false
	}
	return src, dest, body, true
}

type wireMessage struct {
	Src  *string         `json:"src"`
	Dest *string         `json:"dest"`
	Body json.RawMessage `json:"body"`
}

// parseLineStd is parseLine with encoding/json: the reference, and the
// reader of every line scanLine gives up on.
func parseLineStd(line []byte) (src, dest string, body json.RawMessage, err error) {
	var w wireMessage
	if err := json.Unmarshal(line, &w); err != nil {
		return "", "", nil, fmt.Errorf("not well-formed JSON: %v", err)
	}
	if w.Src == nil || w.Dest == nil {
		return "", "", nil, errors.New("message needs string src and dest")
	}
	body = bytes.TrimSpace(w.Body)
	if len(body) == 0 || body[0] != '{' {
		return "", "", nil, errors.New("message body must be a JSON object")
	}
	return *w.Src, *w.Dest, body, nil
}

// readStdout reads the node's stdout to its end, line by line
// (stdoutLine), then notes its end.
func (n *Node) readStdout(stdout *os.File, p *rawpipe.Pipe) {
	defer n.readers.Done()
	split := lineSplitter{max: n.opts.MaxLineBytes}
	buf := make([]byte, 1<<16)
	each := func(line []byte, skipped int) { n.stdoutLine(line, skipped, false) }
	feed := func(chunk []byte) { split.feed(chunk, each) }
	if p != nil {
		p.ReadEach(buf, feed) // one read per wake-up, not two
	} else {
		for {
			k, err := stdout.Read(buf)
			feed(buf[:k])
			if err != nil {
				break
			}
		}
	}
	split.end(func(line []byte, skipped int) { n.stdoutLine(line, skipped, true) })
	n.noteStdoutClosed()
}

// stdoutLine sends one line of the node's stdout into the network, or
// notes why it does not. line may lie in the read buffer: what is sent is
// a copy of its body. last is the unterminated tail at the end of stdout.
func (n *Node) stdoutLine(line []byte, skipped int, last bool) {
	if n.detached.Load() || (last && n.killedByHarness()) {
		// Detached: later lines are not the node's part of the test.
		// Killed by the harness (Stop, or the kill nemesis's Crash):
		// the unterminated tail, read at EOF, is a line the kill cut
		// short (a large write to a full pipe is done in pieces).
		return
	}
	if skipped > 0 {
		n.noteGarbage(line, fmt.Errorf("a line of %d bytes, longer than the %d a message may have; skipped", skipped, n.opts.MaxLineBytes))
		return
	}
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 {
		return
	}
	src, dest, body, perr := parseLine(trimmed)
	switch {
	case perr != nil:
		n.noteGarbage(trimmed, perr)
	case src != n.opts.ID && (dest == n.opts.ID || !n.opts.Net.Known(src)):
		// Maelstrom delivers a message whose src is any known
		// party (its raft.py demo forwards a client's request to
		// the leader under the client's src, so the leader
		// replies to the client directly). Two cases are not
		// the node speaking: an unknown src, which Maelstrom
		// refuses too, and a message to the node itself from
		// someone else, which is its input written back (cat)
		// and would loop forever.
		n.noteWrongSrc(trimmed)
	default:
		owned := make([]byte, len(body))
		copy(owned, body)
		n.opts.Net.Send(src, dest, owned)
	}
}

// killedByHarness reports whether halt has begun: from then on the
// process dies by the harness's SIGKILL, not of its own accord.
func (n *Node) killedByHarness() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stopping
}

// noteWrongSrc counts a message the node wrote that is not sent: its own
// input written back to it, or a message from an unknown src (Maelstrom
// checks only that src is some known node, so there a node echoing its
// input loops forever).
func (n *Node) noteWrongSrc(line []byte) {
	n.mu.Lock()
	n.wrongSrc++
	if n.wrongSrcLine == "" {
		n.wrongSrcLine = clipLine(line)
	}
	n.mu.Unlock()
	n.misbehavedOnce.Do(func() { close(n.misbehaved) })
}

// noteStdoutClosed records stdout's end if the process outlives it: a node
// that closed its stdout but kept running can no longer say anything.
func (n *Node) noteStdoutClosed() {
	at := n.opts.Net.Since()
	select {
	case <-n.exited:
		return
	case <-time.After(500 * time.Millisecond):
	}
	n.mu.Lock()
	if !n.stopping {
		n.stdoutClosedAt = at
	}
	n.mu.Unlock()
}

func clipLine(line []byte) string {
	const max = 200
	if len(line) > max {
		return string(line[:max]) + "..."
	}
	return string(line)
}

func (n *Node) noteGarbage(line []byte, why error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.garbage++
	if len(n.garbageLines) < maxGarbageSamples {
		n.garbageLines = append(n.garbageLines, fmt.Sprintf("%s (%v)", clipLine(line), why))
	}
}

func (n *Node) readStderr(r io.Reader, log *os.File) {
	defer n.readers.Done()
	var w *bufio.Writer
	if log != nil {
		defer log.Close()
		w = bufio.NewWriter(log)
		defer w.Flush()
	}
	// The log gets every byte; the tail and the echo get each line's first
	// maxTailLine bytes, so a huge line costs no memory.
	const maxTailLine = 1000
	br := bufio.NewReaderSize(r, 1<<16)
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if w != nil && len(frag) > 0 {
			w.Write(frag)
			if br.Buffered() == 0 {
				w.Flush()
			}
		}
		if room := maxTailLine - len(line); room > 0 {
			line = append(line, frag[:min(room, len(frag))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(line) > 0 {
			text := string(bytes.TrimRight(line, "\r\n"))
			if n.opts.EchoStderr != nil {
				fmt.Fprintf(n.opts.EchoStderr, "%s: %s\n", n.opts.ID, text)
			}
			n.mu.Lock()
			n.stderrTail = append(n.stderrTail, text)
			if len(n.stderrTail) > tailLines {
				n.stderrTail = n.stderrTail[len(n.stderrTail)-tailLines:]
			}
			n.mu.Unlock()
			line = line[:0]
		}
		if err != nil {
			return
		}
	}
}

// Stop detaches the node from the network, closes its stdin and kills its
// process group, as Maelstrom's stop-node! kills first; only then does it
// wait, and every wait is bounded, so a node that stopped reading (its
// stdin writer blocked on a full pipe) or a child that holds its pipes
// cannot hold it up. It returns the node's report; a process that had
// already exited is reported as Exited.
func (n *Node) Stop() Report {
	n.Detach()
	return n.halt()
}

// halt is Stop without leaving the network (the kill nemesis's Crash keeps
// the node's address, marked down).
func (n *Node) halt() Report {
	var died bool
	select {
	case <-n.exited:
		died = true
	default:
	}
	n.mu.Lock()
	n.stopping = true
	n.mu.Unlock()
	n.mailbox.Abandon()
	n.stdin.Close() // fails a write blocked on the full pipe
	n.Kill()
	waitAtMost(n.exited, stopGrace)
	if !waitAtMost(n.drained, stopGrace) {
		// Something outside the process group holds the pipes open.
		n.stdout.Close()
		n.stderr.Close()
		waitAtMost(n.drained, stopGrace)
	}
	waitAtMost(n.mailbox.Done(), stopGrace)
	return n.report(died)
}

// Detach ends the node's part in the test without stopping it yet: what
// it writes from now on is ignored, and it leaves the network. Stopping
// several nodes, detach them all first, so that none is counted sending to
// another that has already left.
func (n *Node) Detach() {
	n.detached.Store(true)
	n.opts.Net.Remove(n.opts.ID)
}

// Kill sends SIGKILL to the node's process group (its children too)
// at once, without waiting.
func (n *Node) Kill() {
	if n.cmd.Process != nil {
		syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		n.cmd.Process.Kill()
	}
}

func waitAtMost(c <-chan struct{}, d time.Duration) bool {
	select {
	case <-c:
		return true
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c:
		return true
	case <-t.C:
		return false
	}
}

// Report describes the node now, without stopping it. For a node that has
// exited, it first waits (briefly) for the end of its stderr.
func (n *Node) Report() Report {
	select {
	case <-n.exited:
		waitAtMost(n.drained, stopGrace)
		return n.report(true)
	default:
		return n.report(false)
	}
}

func (n *Node) report(died bool) Report {
	dropped, stalledAt := n.mailbox.Overflow()
	n.mu.Lock()
	defer n.mu.Unlock()
	r := Report{
		Node:           n.opts.ID,
		Exited:         died,
		GarbageCount:   n.garbage,
		GarbageSample:  append([]string(nil), n.garbageLines...),
		StderrPath:     n.opts.StderrPath,
		InputDropped:   dropped,
		WrongSrcCount:  n.wrongSrc,
		WrongSrcSample: n.wrongSrcLine,
	}
	if died {
		r.ExitStatus = exitStatus(n.exitErr)
		r.ExitedAt = seconds(n.exitedAt)
	}
	if dropped > 0 {
		// stalledAt is a wall-clock time; place it on the test's clock.
		r.StoppedReadingAt = seconds(n.opts.Net.Since() - time.Since(stalledAt))
	}
	if n.stdoutClosedAt > 0 && !died {
		r.StdoutClosedAt = seconds(n.stdoutClosedAt)
	}
	if !r.OK() {
		r.StderrTail = append([]string(nil), n.stderrTail...)
	}
	r.Problems = r.describe()
	return r
}

func seconds(d time.Duration) *float64 {
	s := float64(d.Round(100*time.Millisecond)) / float64(time.Second)
	return &s
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
