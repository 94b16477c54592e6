package node

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf8"
)

// ErrClosed is returned by Send, Reply and RPC once the node has shut down
// (its input ended and Run is returning or has returned).
var ErrClosed = errors.New("node: closed")

// outbox serialises every outgoing line. Senders append complete lines to
// a shared buffer under a mutex, so lines never interleave; one writer
// goroutine swaps that buffer out and writes it in a single call, looping
// until nothing is pending. Under load many messages go out per write
// (per syscall); when idle every message is written as soon as it is
// queued.
type outbox struct {
	w    io.Writer        // resolved from writer at the first write
	dest func() io.Writer // the node's Stdout

	mu      sync.Mutex
	pending []byte
	closed  bool
	err     error // first write error; further output is dropped

	started bool          // the writer goroutine runs (started by the first line)
	wake    chan struct{} // capacity 1: "there is something pending"
	done    chan struct{} // closed when the writer has exited
}

// maxKeptBuffer bounds the capacity a drained buffer may keep, so that one
// huge message does not pin its memory forever.
const maxKeptBuffer = 1 << 20

func newOutbox(dest func() io.Writer) *outbox {
	return &outbox{dest: dest, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (o *outbox) run() {
	defer close(o.done)
	var spare []byte
	for {
		<-o.wake
		// Let the goroutines that are ready to run (handlers finishing,
		// the input loop) queue their lines first: under load that
		// turns a write per message into a write per batch; when idle
		// it costs one scheduler round trip.
		runtime.Gosched()
		for {
			o.mu.Lock()
			buf := o.pending
			o.pending = spare[:0]
			closed := o.closed
			failed := o.err != nil
			if o.w == nil {
				o.w = o.dest()
			}
			w := o.w
			o.mu.Unlock()
			if len(buf) == 0 {
				spare = buf
				if closed {
					return
				}
				break
			}
			if !failed {
				if _, err := w.Write(buf); err != nil {
					o.mu.Lock()
					o.err = err
					o.mu.Unlock()
				}
			}
			if cap(buf) > maxKeptBuffer {
				buf = nil
			}
			spare = buf[:0]
		}
	}
}

// appendLine runs fill with the pending buffer locked so that the caller
// can encode its line straight into it. fill returns the extended buffer or
// an error, in which case nothing is queued.
func (o *outbox) appendLine(fill func(buf []byte) ([]byte, error)) error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return ErrClosed
	}
	if o.err != nil {
		err := o.err
		o.mu.Unlock()
		return err
	}
	start := len(o.pending)
	buf, err := fill(o.pending)
	if err != nil {
		o.pending = o.pending[:start]
		o.mu.Unlock()
		return err
	}
	o.pending = buf
	if !o.started {
		o.started = true
		go o.run()
	}
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return nil
}

// close stops accepting lines and waits until everything queued is written.
func (o *outbox) close() error {
	o.mu.Lock()
	o.closed = true
	started := o.started
	o.mu.Unlock()
	if !started {
		return nil // nothing was ever queued
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	<-o.done
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

var (
	keyInReplyTo = []byte(`"in_reply_to"`)
	keyMsgID     = []byte(`"msg_id"`)
)

// encodeBody marshals a caller's body and checks it is a JSON object.
func encodeBody(body any) ([]byte, error) {
	var b []byte
	switch v := body.(type) {
	case json.RawMessage:
		return compactObject(v)
	case []byte:
		return compactObject(v)
	default:
		var err error
		b, err = json.Marshal(body)
		if err != nil {
			return nil, err
		}
	}
	// json.Marshal output is compact, MarshalJSON results included.
	if len(b) < 2 || b[0] != '{' {
		return nil, errors.New("node: message body must be a JSON object")
	}
	return b, nil
}

// compactObject validates a caller's raw body and removes its
// whitespace, so that a newline inside it cannot split the output line.
func compactObject(raw []byte) ([]byte, error) {
	var out bytes.Buffer
	if err := json.Compact(&out, raw); err != nil {
		return nil, err
	}
	b := out.Bytes()
	if len(b) < 2 || b[0] != '{' {
		return nil, errors.New("node: message body must be a JSON object")
	}
	return b, nil
}

// setReserved returns body with msg_id and/or in_reply_to set (a negative
// value leaves that field as it is). The fast path prepends the fields;
// when the body already names one of them it is rewritten as a map so that
// no key appears twice.
func setReserved(body []byte, msgID, inReplyTo int) ([]byte, bool, error) {
	if (msgID >= 0 && bytes.Contains(body, keyMsgID)) ||
		(inReplyTo >= 0 && bytes.Contains(body, keyInReplyTo)) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, false, err
		}
		if msgID >= 0 {
			m["msg_id"] = json.RawMessage(strconv.Itoa(msgID))
		}
		if inReplyTo >= 0 {
			m["in_reply_to"] = json.RawMessage(strconv.Itoa(inReplyTo))
		}
		b, err := json.Marshal(m)
		return b, true, err
	}
	return body, false, nil
}

// appendEnvelope appends one complete line: the envelope around body, with
// the reserved fields prepended to the body unless rewritten already.
func appendEnvelope(buf []byte, src, dest string, body []byte, msgID, inReplyTo int, rewritten bool) []byte {
	buf = append(buf, `{"src":`...)
	buf = appendString(buf, src)
	buf = append(buf, `,"dest":`...)
	buf = appendString(buf, dest)
	buf = append(buf, `,"body":`...)
	if rewritten || (msgID < 0 && inReplyTo < 0) {
		buf = append(buf, body...)
	} else {
		buf = append(buf, '{')
		sep := false
		if inReplyTo >= 0 {
			buf = append(buf, `"in_reply_to":`...)
			buf = strconv.AppendInt(buf, int64(inReplyTo), 10)
			sep = true
		}
		if msgID >= 0 {
			if sep {
				buf = append(buf, ',')
			}
			buf = append(buf, `"msg_id":`...)
			buf = strconv.AppendInt(buf, int64(msgID), 10)
		}
		rest := bytes.TrimLeft(body[1:], " \t\r\n")
		if rest[0] != '}' {
			buf = append(buf, ',')
		}
		buf = append(buf, rest...)
	}
	return append(buf, '}', '\n')
}

// appendString appends s as a JSON string. Plain printable ASCII, which is
// what node ids are, is copied as is; anything else goes through
// encoding/json.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// flush writes what is queued now, from the caller's goroutine, without
// closing the outbox: used when the process is about to die of a signal.
func (o *outbox) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending) == 0 || o.err != nil {
		return
	}
	if o.w == nil {
		o.w = o.dest()
	}
	_, o.err = o.w.Write(o.pending)
	o.pending = o.pending[:0]
}
