// Package echo is Maelstrom's echo workload (src/maelstrom/workload/echo.clj):
// every thread sends {"type":"echo","echo":V} with V a string such as
// "Please echo 37", and expects echo_ok with the same value back. As in
// Maelstrom, a completion records the whole reply body as its value, and the
// checker flags every pair whose reply does not carry the invocation's
// value. Requests that never got a reply (info) are left out, as
// knossos's pair-index leaves them out; a definite failure is an error.
package echo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/workload"
	"glomers/internal/jsonscan"
)

// Request and Reply are the echo RPC's schema.
type Request struct {
	Type string `json:"type"`
	Echo any    `json:"echo"`
}

// AppendJSONBody writes r as json.Marshal does (workload.BodyAppender).
func (r Request) AppendJSONBody(b []byte) ([]byte, bool) {
	b = append(b, `{"type":`...)
	b = history.AppendString(b, r.Type)
	b = append(b, `,"echo":`...)
	b, ok := history.AppendJSON(b, r.Echo)
	return append(b, '}'), ok
}

type Workload struct{ rng *rand.Rand }

// New builds the workload.
func New(opts workload.Options) (workload.Workload, error) {
	return &Workload{rng: opts.Rand}, nil
}

func (w *Workload) Setup(context.Context, func() workload.Conn) error { return nil }
func (w *Workload) Final() *workload.Final                            { return nil }

// Generator yields echo ops forever (gen/each-thread of a function).
func (w *Workload) Generator() workload.Generator {
	return workload.GeneratorFunc(func(workload.Worker, *history.Op) (history.Op, bool) {
		return history.Op{F: "echo", Value: fmt.Sprintf("Please echo %d", w.rng.IntN(128))}, true
	})
}

func (w *Workload) NewClient(conn workload.Conn, wk workload.Worker, _ *rand.Rand) workload.Client {
	return &client{conn: conn, node: wk.Node}
}

type client struct {
	conn workload.Conn
	node string
}

func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	reply, err := c.conn.RPC(ctx, c.node, Request{Type: "echo", Echo: op.Value})
	var value any
	if err == nil {
		value, err = decodeReply(reply)
	}
	return workload.Complete(op, value, err, false)
}

// echoOK is the reply's schema.
type echoOK struct {
	Type      string          `json:"type"`
	Echo      json.RawMessage `json:"echo"`
	MsgID     *int64          `json:"msg_id"`
	InReplyTo int64           `json:"in_reply_to"`
}

// decodeReply returns the reply body as Maelstrom records it (the whole
// body). Ordinary replies are read by scanReply; any other goes to
// decodeReplyStd, so values and error texts are exactly encoding/json's
// (FuzzDecodeReply checks that the two agree).
func decodeReply(b []byte) (any, error) {
	if v, ok := scanReply(b); ok {
		return v, nil
	}
	return decodeReplyStd(b)
}

// scanReply is decodeReply's fast path, with jsonscan. It returns ok only
// for an echo_ok that decodeReplyStd would read the same way, and gives up
// on anything else: invalid JSON, another type, null or mistyped fields,
// keys that encoding/json would match case-insensitively.
func scanReply(b []byte) (map[string]any, bool) {
	f, ok := jsonscan.CheckObject(b) // validated as it is read
	if !ok {
		return nil, false
	}
	var typ string
	var echo []byte
	var msgID, inReplyTo int64
	var hasMsgID bool
	for {
		key, val, more := f.Next()
		if !more {
			if !f.OK() {
				return nil, false
			}
			break
		}
		switch string(key) {
		case "type":
			if typ, ok = jsonscan.DecodeString(val); !ok {
				return nil, false
			}
		case "echo":
			echo = val
		case "msg_id":
			if msgID, ok = jsonscan.Int(val); !ok {
				return nil, false
			}
			hasMsgID = true
		case "in_reply_to":
			if inReplyTo, ok = jsonscan.Int(val); !ok {
				return nil, false
			}
		default:
			if bytes.EqualFold(key, []byte("type")) || bytes.EqualFold(key, []byte("echo")) ||
				bytes.EqualFold(key, []byte("msg_id")) || bytes.EqualFold(key, []byte("in_reply_to")) {
				return nil, false
			}
		}
	}
	if typ != "echo_ok" {
		return nil, false
	}
	var value any
	if len(echo) > 0 {
		var err error
		if s, ok := jsonscan.DecodeString(echo); ok {
			value = s
		} else if value, err = history.DecodeValue(echo); err != nil {
			return nil, false
		}
	}
	body := map[string]any{"type": typ, "echo": value, "in_reply_to": inReplyTo}
	if hasMsgID {
		body["msg_id"] = msgID
	}
	return body, true
}

// decodeReplyStd is decodeReply with encoding/json: the reference, and
// the reader of every reply the scan gives up on. It decodes into a struct
// first: a generic map decode costs twice as much.
func decodeReplyStd(b []byte) (any, error) {
	var r echoOK
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("malformed echo_ok: %v", err)
	}
	if r.Type != "echo_ok" {
		return nil, fmt.Errorf("expected echo_ok, got %q", r.Type)
	}
	var echo any
	if len(r.Echo) > 0 {
		var err error
		if echo, err = history.DecodeValue(r.Echo); err != nil {
			return nil, fmt.Errorf("malformed echo_ok: %v", err)
		}
	}
	body := map[string]any{"type": r.Type, "echo": echo, "in_reply_to": r.InReplyTo}
	if r.MsgID != nil {
		body["msg_id"] = *r.MsgID
	}
	return body, nil
}

// Result is the checker's verdict: Maelstrom's {:valid? :errors}.
type Result struct {
	check.Verdict
	Errors []Mismatch `json:"errors"`
}

// Mismatch is one echo that did not come back as sent.
type Mismatch struct {
	Expected any `json:"expected"`
	Received any `json:"received"`
}

// Check compares each invocation's value with the echo field of its
// completion.
func (w *Workload) Check(h history.History) check.Result {
	return Check(h)
}

// Check is the echo checker on its own, for `harness check`. It pairs
// each client invocation with its process's next completion, as
// history.Pairs does, without copying the ops into pairs: a 10 s echo run
// at 10,000 ops/s has 200,000 ops. Mismatches are reported in invocation
// order.
func Check(h history.History) Result {
	res := Result{Errors: []Mismatch{}}
	type mismatch struct {
		invoke int
		m      Mismatch
	}
	var bad []mismatch
	pending := map[int]int{} // process -> index of its open invocation
	for i := range h {
		o := &h[i]
		if !o.IsClient() {
			continue
		}
		if o.Type == history.Invoke {
			pending[o.Process] = i
			continue
		}
		at, ok := pending[o.Process]
		if !ok {
			continue
		}
		delete(pending, o.Process)
		// knossos's pair-index, which Maelstrom's checker uses, leaves out
		// operations that crashed (info) or never completed.
		inv := &h[at]
		if inv.F != "echo" || o.Type == history.Info {
			continue
		}
		if !echoed(inv.Value, history.Get(o.Value, "echo")) {
			bad = append(bad, mismatch{at, Mismatch{Expected: inv.Value, Received: o.Value}})
		}
	}
	slices.SortFunc(bad, func(a, b mismatch) int { return a.invoke - b.invoke })
	for _, b := range bad {
		res.Errors = append(res.Errors, b.m)
	}
	res.Valid = check.Of(len(res.Errors) == 0)
	return res
}

// echoed tells whether got is the value sent: the same once normalised
// (a string, the harness's payloads, compared directly).
func echoed(sent, got any) bool {
	if s, ok := sent.(string); ok {
		g, ok := got.(string)
		return ok && g == s
	}
	return reflect.DeepEqual(history.Normalize(sent), got)
}
