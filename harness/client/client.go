// Package client is the harness's side of Maelstrom's client nodes
// (src/maelstrom/client.clj): a connection registered on the network as c0,
// c1, ... that carries one request at a time and waits for the reply whose
// in_reply_to matches, discarding late replies to requests it gave up on.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"glomers/harness/errcode"
	"glomers/harness/netsim"
	"glomers/harness/workload"
	"glomers/internal/jsonscan"
)

// Conn is one client node. It implements workload.Conn.
type Conn struct {
	net     *netsim.Network
	id      string
	timeout time.Duration

	mu      sync.Mutex // one request at a time
	nextID  int64
	replies chan netsim.Message

	// The reply timeout. A timer reset by every request (and selected on
	// beside the replies) was a measurable share of the harness's CPU at
	// ten thousand requests a second: a blocked select on a timer's
	// channel puts the timer in the runtime's heap and takes it out again
	// each time. Instead a request only notes its deadline, and one timer
	// per client (watch), armed when a request finds it idle, fires about
	// once per timeout: it re-arms itself for the deadline of the request
	// then in progress, or, once that has passed, hands the request a
	// timeout through replies (a Message with ID -msg_id, which no network
	// message has).
	wmu      sync.Mutex
	watch    *time.Timer
	armed    bool
	waiting  int64         // msg_id of the request in progress; 0: none
	deadline time.Duration // when it times out, on the network's clock
}

var _ workload.Conn = (*Conn)(nil)

// Open registers a new client on the network with a fresh id.
func Open(net *netsim.Network) *Conn {
	c := &Conn{
		net:     net,
		id:      net.NewClientID(),
		timeout: workload.DefaultRPCTimeout,
		replies: make(chan netsim.Message, 64),
	}
	net.Add(c.id, netsim.ReceiverFunc(c.deliver))
	return c
}

// WithTimeout sets the longest wait for a reply (default 5 s).
func (c *Conn) WithTimeout(d time.Duration) *Conn {
	c.timeout = d
	return c
}

// ID is the client's node id.
func (c *Conn) ID() string { return c.id }

// Close removes the client from the network.
func (c *Conn) Close() {
	c.net.Remove(c.id)
	c.wmu.Lock()
	if c.watch != nil {
		c.watch.Stop()
	}
	c.armed, c.waiting = false, 0
	c.wmu.Unlock()
}

// startWatch sets the timeout of request id.
func (c *Conn) startWatch(id int64) {
	deadline := c.net.Since() + c.timeout
	c.wmu.Lock()
	c.waiting, c.deadline = id, deadline
	if !c.armed {
		c.armed = true
		if c.watch == nil {
			c.watch = time.AfterFunc(c.timeout, c.expire)
		} else {
			c.watch.Reset(c.timeout)
		}
	}
	c.wmu.Unlock()
}

// stopWatch ends the timeout of the request in progress.
func (c *Conn) stopWatch() {
	c.wmu.Lock()
	c.waiting = 0
	c.wmu.Unlock()
}

// expire is the watch timer's function; see Conn.
func (c *Conn) expire() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.waiting == 0 {
		c.armed = false
		return
	}
	if left := c.deadline - c.net.Since(); left > 0 {
		c.watch.Reset(left)
		return
	}
	select {
	case c.replies <- netsim.Message{ID: -c.waiting}:
		c.armed = false
	default:
		// replies is full of late replies, which the request is reading
		// (deliver drops any more): try again shortly.
		c.watch.Reset(time.Millisecond)
	}
}

// deliver must not block: a reply that finds the buffer full can only be a
// late one, since the client waits for one reply at a time.
func (c *Conn) deliver(m netsim.Message) {
	select {
	case c.replies <- m:
	default:
	}
}

type replyHeader struct {
	Type      string `json:"type"`
	InReplyTo *int64 `json:"in_reply_to"`
	Code      *int   `json:"code"`
	Text      string `json:"text"`
}

// parseReplyHeader reads a reply's header. Ordinary bodies are read by
// scanReplyHeader; any body it does not settle goes to encoding/json
// (parseReplyHeaderStd), so the result is exactly encoding/json's
// (FuzzParseReplyHeader checks that the two agree).
func parseReplyHeader(body []byte) (replyHeader, error) {
	var h replyHeader
	if scanReplyHeader(body, &h) {
		return h, nil
	}
	return parseReplyHeaderStd(body)
}

// scanReplyHeader is parseReplyHeader's fast path, without encoding/json.
// It returns true only for a body that encoding/json would decode into the
// same header without error; it gives up on invalid JSON, on null or
// wrongly typed fields and on keys that encoding/json would match
// case-insensitively.
func scanReplyHeader(body []byte, h *replyHeader) bool {
	f, ok := jsonscan.CheckObject(body) // validated as it is read
	if !ok {
		return false
	}
	for {
		key, val, more := f.Next()
		if !more {
			return f.OK()
		}
		switch string(key) {
		case "type", "text":
			s, ok := jsonscan.DecodeString(val)
			if !ok {
				return false
			}
			if key[1] == 'y' {
				h.Type = s
			} else {
				h.Text = s
			}
		case "in_reply_to":
			n, ok := jsonscan.Int(val)
			if !ok {
				return false
			}
			h.InReplyTo = &n
		case "code":
			n, ok := jsonscan.Int(val)
			if !ok || int64(int(n)) != n {
				return false
			}
			code := int(n)
			h.Code = &code
		default:
			if foldsToHeaderField(key) {
				return false
			}
		}
	}
}

// foldsToHeaderField tells whether encoding/json would match key, which is
// not exactly a field name, to a replyHeader field anyway.
func foldsToHeaderField(key []byte) bool {
	return bytes.EqualFold(key, []byte("type")) || bytes.EqualFold(key, []byte("text")) ||
		bytes.EqualFold(key, []byte("code")) || bytes.EqualFold(key, []byte("in_reply_to"))
}

// parseReplyHeaderStd is parseReplyHeader with encoding/json: the
// reference, and the reader of every body the scan gives up on.
func parseReplyHeaderStd(body []byte) (replyHeader, error) {
	var h replyHeader
	err := json.Unmarshal(body, &h)
	return h, err
}

// RPC implements workload.Conn.
func (c *Conn) RPC(ctx context.Context, dest string, body any) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	id := c.nextID
	raw, err := withMsgID(body, id)
	if err != nil {
		return nil, err
	}
	c.startWatch(id)
	defer c.stopWatch()
	// Maelstrom's net refuses messages to unknown nodes; the client then
	// never sees a reply.
	sent := c.net.Send(c.id, dest, raw)
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %v", workload.ErrTimeout, ctx.Err())
		case m := <-c.replies:
			if m.ID <= 0 { // a timeout (see Conn)
				if m.ID != -id {
					continue // an earlier request's, which ended meanwhile
				}
				if !sent {
					return nil, fmt.Errorf("%w: %s is not on the network", workload.ErrTimeout, dest)
				}
				return nil, fmt.Errorf("%w: no reply from %s within %v", workload.ErrTimeout, dest, c.timeout)
			}
			if !sent {
				continue
			}
			h, err := parseReplyHeader(m.Body)
			if err != nil {
				continue // not a reply we can read; keep waiting as Maelstrom does
			}
			if h.InReplyTo == nil || *h.InReplyTo != id {
				continue // a late reply to a request we gave up on
			}
			if h.Type == "error" {
				code := errcode.Crash
				if h.Code != nil {
					code = *h.Code
				}
				return m.Body, &errcode.Error{Code: code, Text: h.Text}
			}
			return m.Body, nil
		}
	}
}

// withMsgID encodes body and adds "msg_id" to the object. A
// workload.BodyAppender writes itself after msg_id, so the message is
// built in one buffer without reflection.
func withMsgID(body any, id int64) (json.RawMessage, error) {
	if a, ok := body.(workload.BodyAppender); ok {
		out := make([]byte, 0, 96)
		out = append(out, `{"msg_id":`...)
		out = strconv.AppendInt(out, id, 10)
		start := len(out)
		if out, ok = a.AppendJSONBody(out); ok && len(out)-start >= 2 && out[start] == '{' {
			if len(out)-start == 2 { // {}
				return append(out[:start], '}'), nil
			}
			out[start] = ','
			return out, nil
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encoding request: %w", err)
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("request body must be a JSON object, got %s", b)
	}
	out := make([]byte, 0, len(b)+24)
	out = append(out, `{"msg_id":`...)
	out = strconv.AppendInt(out, id, 10)
	if len(b) > 2 {
		out = append(out, ',')
	}
	out = append(out, b[1:]...)
	return out, nil
}
