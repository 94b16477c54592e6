// Package process runs one node binary as a network party, as Maelstrom's
// src/maelstrom/process.clj does: messages due for the node are written to
// its stdin as JSON lines, every stdout line is parsed as a message and sent
// into the network, and stderr goes to a log file. Unlike Maelstrom, a line
// that is not a valid message does not stop the reader: it is counted,
// sampled and skipped, and the node keeps talking.
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
	"syscall"
	"time"

	"glomers/harness/netsim"
	"glomers/internal/jsonscan"
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
}

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
}

// OK reports whether the node behaved: it neither died nor printed garbage.
func (r Report) OK() bool { return !r.Exited && r.GarbageCount == 0 }

// Node is a running node process.
type Node struct {
	opts    Options
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	mailbox *netsim.Mailbox
	exited  chan struct{}
	readers sync.WaitGroup
	// writeFailed is touched only by the mailbox goroutine.
	writeFailed bool

	mu           sync.Mutex
	stopping     bool
	exitErr      error
	garbage      int
	garbageLines []string
	stderrTail   []string
}

// Start spawns the binary and attaches it to the network under opts.ID.
func Start(opts Options) (*Node, error) {
	bin, err := exec.LookPath(opts.Bin)
	if err != nil {
		return nil, fmt.Errorf("node binary %q: %w", opts.Bin, err)
	}
	cmd := exec.Command(bin, opts.Args...)
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	var logFile *os.File
	if opts.StderrPath != "" {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if opts.AppendStderr {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		if logFile, err = os.OpenFile(opts.StderrPath, flags, 0o644); err != nil {
			return nil, err
		}
	}
	if err := cmd.Start(); err != nil {
		if logFile != nil {
			logFile.Close()
		}
		return nil, fmt.Errorf("starting %s (%s): %w", opts.ID, opts.Bin, err)
	}
	n := &Node{opts: opts, cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	w := bufio.NewWriterSize(stdin, 1<<16)
	n.mailbox = netsim.NewBatchMailbox(n.writeBatch(w), func() { n.flush(w) })
	opts.Net.Add(opts.ID, n.mailbox)
	n.readers.Add(2)
	go n.readStdout(stdout)
	go n.readStderr(stderr, logFile)
	go func() {
		n.readers.Wait() // Wait must not run before the pipes are drained
		err := cmd.Wait()
		n.mu.Lock()
		n.exitErr = err
		n.mu.Unlock()
		close(n.exited)
	}()
	return n, nil
}

// ID is the node's id.
func (n *Node) ID() string { return n.opts.ID }

// Exited is closed when the process has ended.
func (n *Node) Exited() <-chan struct{} { return n.exited }

// writeBatch buffers messages as JSON lines; the mailbox's idle hook
// flushes them once nothing more is queued.
func (n *Node) writeBatch(w *bufio.Writer) func([]netsim.Message) {
	var buf []byte
	return func(batch []netsim.Message) {
		if n.writeFailed {
			return
		}
		for _, m := range batch {
			buf = appendMessage(buf[:0], m)
			if _, err := w.Write(buf); err != nil {
				n.writeFailed = true // the process is gone; its exit is reported
				return
			}
		}
	}
}

func (n *Node) flush(w *bufio.Writer) {
	if !n.writeFailed && w.Flush() != nil {
		n.writeFailed = true
	}
}

func appendMessage(b []byte, m netsim.Message) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, m.ID, 10)
	b = append(b, `,"src":`...)
	b = strconv.AppendQuote(b, m.Src)
	b = append(b, `,"dest":`...)
	b = strconv.AppendQuote(b, m.Dest)
	b = append(b, `,"body":`...)
	b = append(b, m.Body...)
	return append(b, "}\n"...)
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

// scanLine is parseLine's fast path: one validation pass and a scan of the
// top-level members, without encoding/json. It returns ok only for a good
// message that parseLineStd would read the same way; it gives up on
// anything else (a bad line, a non-string src, a key that encoding/json
// would match case-insensitively). body aliases line.
func scanLine(line []byte) (src, dest string, body []byte, ok bool) {
	if !jsonscan.Valid(line) {
		return "", "", nil, false
	}
	f, ok := jsonscan.Object(line)
	if !ok {
		return "", "", nil, false
	}
	var srcVal, destVal []byte
	for {
		key, val, more := f.Next()
		if !more {
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

func (n *Node) readStdout(r io.Reader) {
	defer n.readers.Done()
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadBytes('\n')
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
			src, dest, body, perr := parseLine(trimmed)
			if perr != nil {
				n.noteGarbage(trimmed, perr)
			} else {
				n.opts.Net.Send(src, dest, body)
			}
		}
		if err != nil {
			return
		}
	}
}

func (n *Node) noteGarbage(line []byte, why error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.garbage++
	if len(n.garbageLines) < maxGarbageSamples {
		const max = 200
		s := string(line)
		if len(s) > max {
			s = s[:max] + "..."
		}
		n.garbageLines = append(n.garbageLines, fmt.Sprintf("%s (%v)", s, why))
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
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if w != nil {
				w.Write(line)
				if br.Buffered() == 0 {
					w.Flush()
				}
			}
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
		}
		if err != nil {
			return
		}
	}
}

// Stop detaches the node from the network, closes its stdin, gives it a
// moment to exit, then kills its process group. It returns the node's
// report; a process that had already exited is reported as Exited.
func (n *Node) Stop() Report {
	n.opts.Net.Remove(n.opts.ID)
	var died bool
	select {
	case <-n.exited:
		died = true
	default:
	}
	n.mu.Lock()
	n.stopping = true
	n.mu.Unlock()
	n.mailbox.Close()
	n.stdin.Close()
	select {
	case <-n.exited:
	case <-time.After(200 * time.Millisecond):
		n.kill()
		select {
		case <-n.exited:
		case <-time.After(5 * time.Second):
		}
	}
	return n.report(died)
}

// Kill ends the process group at once (for Ctrl-C).
func (n *Node) kill() {
	if n.cmd.Process != nil {
		syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		n.cmd.Process.Kill()
	}
}

// Report describes the node now, without stopping it.
func (n *Node) Report() Report {
	select {
	case <-n.exited:
		return n.report(true)
	default:
		return n.report(false)
	}
}

func (n *Node) report(died bool) Report {
	n.mu.Lock()
	defer n.mu.Unlock()
	r := Report{
		Node:          n.opts.ID,
		Exited:        died,
		GarbageCount:  n.garbage,
		GarbageSample: append([]string(nil), n.garbageLines...),
		StderrPath:    n.opts.StderrPath,
	}
	if died {
		r.ExitStatus = exitStatus(n.exitErr)
		r.StderrTail = append([]string(nil), n.stderrTail...)
	} else if r.GarbageCount > 0 {
		r.StderrTail = append([]string(nil), n.stderrTail...)
	}
	return r
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
