package node

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"glomers/internal/jsonscan"
)

// ErrClosed is returned by Send, Reply and RPC once the node has shut down
// (its input ended and Run is returning or has returned).
var ErrClosed = errors.New("node: closed")

// outbox serialises every outgoing line: senders append complete lines to
// a shared buffer under one lock, so lines never interleave, and the
// buffer is written in a single call under that lock. No goroutine sits
// between a sender and the write. While the input loop is working through
// input it has already read ("busy"), lines only queue: the loop writes
// them all at once when its input is drained, just before it would block
// on a read. So under load many messages go out per write (per system
// call), and when idle a line is written as soon as it is sent.
//
// The input loop never waits for the lock: a sender may hold it while its
// write blocks (the reader of our output may itself be waiting to write
// our input, as an in-process network does), and a loop that waited would
// close that cycle. When the lock is taken, the loop leaves the flush to
// a goroutine. A non-blocking handler (HandleNonBlocking) does send on the
// loop's goroutine, and may wait for the lock while another sender's write
// is under way (the loop is busy then, so no write of its own is); that
// wait ends as long as whoever reads the node's output goes on reading
// while it cannot write the node's input, as Maelstrom and the harness do
// (netsim's mailboxes drop a message rather than block the sender).
type outbox struct {
	dest func() io.Writer // the node's Stdout, resolved at the first write
	w    io.Writer

	busy atomic.Bool // the input loop will flush before it blocks

	mu      sync.Mutex
	pending []byte
	closed  bool
	err     error // first write error; further output is dropped
}

// maxKeptBuffer bounds the capacity a drained buffer may keep, so that one
// huge message does not pin its memory forever.
const maxKeptBuffer = 1 << 20

func newOutbox(dest func() io.Writer) *outbox {
	return &outbox{dest: dest}
}

// writeLocked writes everything pending; o.mu is held.
func (o *outbox) writeLocked() {
	if len(o.pending) == 0 {
		return
	}
	if o.err == nil {
		if o.w == nil {
			o.w = o.dest()
		}
		if _, err := o.w.Write(o.pending); err != nil {
			o.err = err
		}
	}
	if cap(o.pending) > maxKeptBuffer {
		o.pending = nil
	} else {
		o.pending = o.pending[:0]
	}
}

// setBusy marks the input loop as working through read input (lines
// queue) or about to block (everything queued is written now). It never
// waits for the lock.
func (o *outbox) setBusy(busy bool) {
	o.busy.Store(busy)
	if busy {
		return
	}
	if o.mu.TryLock() {
		o.writeLocked()
		o.mu.Unlock()
		return
	}
	// A sender holds the lock, and may have queued its line while busy
	// was still set: flush after it, without blocking the loop.
	go o.flush()
}

// appendLine runs fill with the pending buffer locked so that the caller
// can encode its line straight into it. fill returns the extended buffer or
// an error, in which case nothing is queued.
func (o *outbox) appendLine(fill func(buf []byte) ([]byte, error)) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	if o.err != nil {
		return o.err
	}
	start := len(o.pending)
	buf, err := fill(o.pending)
	if err != nil {
		o.pending = o.pending[:start]
		return err
	}
	o.pending = buf
	if !o.busy.Load() {
		o.writeLocked()
	}
	return nil
}

// flush writes what is queued now, without closing the outbox.
func (o *outbox) flush() {
	o.mu.Lock()
	o.writeLocked()
	o.mu.Unlock()
}

// close stops accepting lines and writes everything queued.
func (o *outbox) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	o.writeLocked()
	return o.err
}

var (
	keyInReplyTo = []byte(`"in_reply_to"`)
	keyMsgID     = []byte(`"msg_id"`)
)

// Encoded is a message body a program has written itself: one compact
// JSON object with no newline, as a hand-written encoder of large bodies
// (kafka's poll_ok and replication pushes) produces. Send, Reply and RPC
// write it as it is; a json.RawMessage, by contrast, is validated and
// compacted first (as encoding/json does), a pass over every byte that the
// program's own encoder makes unnecessary. Only its braces are checked: an
// Encoded body that is not valid JSON makes an output line the receiver
// must reject.
type Encoded []byte

// encodeBody marshals a caller's body, appending it to scratch, and checks
// it is a JSON object. The result may or may not share scratch's memory.
func encodeBody(scratch []byte, body any) ([]byte, error) {
	var b []byte
	switch v := body.(type) {
	case Encoded:
		if len(v) < 2 || v[0] != '{' || v[len(v)-1] != '}' {
			return nil, errors.New("node: message body must be a JSON object")
		}
		return v, nil
	case json.RawMessage:
		return compactObject(v)
	case []byte:
		return compactObject(v)
	default:
		var err error
		b, err = appendJSON(scratch, body)
		if err != nil {
			return nil, err
		}
	}
	// marshal output is compact, MarshalJSON results included.
	if len(b) < 2 || b[0] != '{' {
		return nil, errors.New("node: message body must be a JSON object")
	}
	return b, nil
}

// compactObject validates a caller's raw body and removes its
// whitespace, so that a newline inside it cannot split the output line.
// A valid object with no newline at all is already safe to write and is
// returned as it is: programs that write their bodies themselves (kafka's
// replication pushes) would otherwise pay a second pass over every byte.
func compactObject(raw []byte) ([]byte, error) {
	if len(raw) >= 2 && raw[0] == '{' && raw[len(raw)-1] == '}' &&
		bytes.IndexByte(raw, '\n') < 0 && jsonscan.Valid(raw) {
		return raw, nil
	}
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
		if err := unmarshal(body, &m); err != nil {
			return nil, false, err
		}
		if msgID >= 0 {
			m["msg_id"] = json.RawMessage(strconv.Itoa(msgID))
		}
		if inReplyTo >= 0 {
			m["in_reply_to"] = json.RawMessage(strconv.Itoa(inReplyTo))
		}
		b, err := marshal(m)
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
			b, _ := marshal(s)
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// scratchPool holds the buffers bodies are encoded into before they are
// copied into the outbox, so that encoding a body allocates nothing.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}
