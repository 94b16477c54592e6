// Package service provides Maelstrom's built-in services as parties on a
// netsim.Network: lin-kv, seq-kv, lww-kv and lin-tso. Nodes reach them by
// node id with ordinary RPCs, exactly as in Maelstrom.
//
// Behaviour matched (src/maelstrom/service.clj and doc/services.md of
// Maelstrom 0.2.x):
//
//   - The key-value API of `persistent-kv`: read -> read_ok {value} or error
//     20 "key does not exist"; write {key, value} -> write_ok; cas {key,
//     from, to, create_if_not_exists?} -> cas_ok, error 22 "current value X
//     is not Y" when the value differs, error 20 when the key is missing
//     unless create_if_not_exists is truthy (anything but null or false, as
//     Clojure reads it). Keys and values are arbitrary JSON, compared with
//     Clojure's `=` on the decoded value (see value).
//   - lin-kv: `linearizable` over that store: requests are applied one at a
//     time in arrival order, each atomically, so the store is linearizable.
//   - seq-kv: `sequential` over the same store; see seqKV.
//   - lww-kv: `eventual` over the `lww-kv` store; see lwwKV.
//   - lin-tso: `linearizable` over `persistent-tso`: ts -> ts_ok {ts} with
//     0, 1, 2, ...
//   - Every reply carries in_reply_to = the request's msg_id (null when the
//     request had none), as service-thread does.
//
// Deliberate differences, all where Maelstrom's service thread throws and
// logs without answering (so the node would only see a timeout):
//   - an unknown request type gets error 10 (not-supported);
//   - a body that is not a JSON object, has no string type, or lacks a field
//     the request needs (key; value for write; from and to for cas) gets
//     error 12 (malformed-request); an explicit null is a valid value;
//   - messages that are themselves replies (they carry in_reply_to, or their
//     type is "error") are dropped without an answer, so a confused node
//     cannot start an endless error ping-pong with a service.
package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"

	"glomers/harness/errcode"
	"glomers/harness/netsim"
)

// Service node ids, as Maelstrom's default-services names them.
const (
	LinKV  = "lin-kv"
	SeqKV  = "seq-kv"
	LWWKV  = "lww-kv"
	LinTSO = "lin-tso"
)

// IDs lists every service id, sorted.
func IDs() []string { return []string{LinKV, LinTSO, LWWKV, SeqKV} }

// Options tune the services. The zero value gives Maelstrom's defaults.
type Options struct {
	// Seed makes the services' random choices reproducible: the same seed
	// and the same order of requests give the same answers.
	Seed uint64
	// SeqBufferSize is how many past states seq-kv keeps (Maelstrom: 32).
	SeqBufferSize int
	// LWWReplicas is how many replicas lww-kv simulates. service.clj's
	// `eventual` defaults to 2, and default-services uses that default;
	// doc/services.md says 5. Zero means 2, what Maelstrom actually runs.
	LWWReplicas int
	// LWWDiscardMerges reproduces a quirk of service.clj's `eventual`:
	// it computes a merge of two replicas on every request but then builds
	// the new replica vector from the old one, so the merge is lost and the
	// replicas never converge. Off by default: the replicas merge as the
	// code and docs intend.
	LWWDiscardMerges bool
}

// Services are the running services. Close stops them.
type Services struct {
	net     *netsim.Network
	running []*running
	once    sync.Once
}

type running struct {
	id string
	mb *netsim.Mailbox
}

// handler is one service's state machine. It is called from one goroutine
// only, one request at a time.
type handler interface {
	handle(src string, req *request) reply
}

// Start registers every Maelstrom service (lin-kv, seq-kv, lww-kv,
// lin-tso) on net with Maelstrom's default settings and random choices
// seeded by seed.
func Start(net *netsim.Network, seed uint64) *Services {
	return StartWith(net, Options{Seed: seed})
}

// StartWith is Start with explicit options.
func StartWith(net *netsim.Network, opts Options) *Services {
	if opts.SeqBufferSize <= 0 {
		opts.SeqBufferSize = 32
	}
	if opts.LWWReplicas <= 0 {
		opts.LWWReplicas = 2
	}
	// One generator per service: each runs on its own goroutine.
	rng := func(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(opts.Seed, stream)) }
	handlers := map[string]handler{
		LinKV:  newLinKV(),
		SeqKV:  newSeqKV(opts.SeqBufferSize, rng(1)),
		LWWKV:  newLWWKV(opts.LWWReplicas, opts.LWWDiscardMerges, rng(2)),
		LinTSO: &tso{},
	}
	s := &Services{net: net}
	for _, id := range IDs() {
		id, h := id, handlers[id]
		mb := netsim.NewMailbox(func(m netsim.Message) { serve(net, id, h, m) })
		net.Add(id, mb)
		s.running = append(s.running, &running{id: id, mb: mb})
	}
	return s
}

// Close unregisters the services and stops their goroutines; requests
// still queued are dropped, as Maelstrom's stop-services! abandons them.
func (s *Services) Close() {
	s.once.Do(func() {
		for _, r := range s.running {
			s.net.Remove(r.id)
		}
		for _, r := range s.running {
			r.mb.Close()
		}
	})
}

// serve answers one message.
func serve(net *netsim.Network, id string, h handler, m netsim.Message) {
	if body, ok := answer(h, m.Src, m.Body); ok {
		net.Send(id, m.Src, body)
	}
}

// answer computes the reply body to a request from src, or false when
// the message is a reply and gets no answer. It never panics: a panic in a
// handler would be a bug here, and is reported to the node as a crash (13)
// rather than taking the harness down.
func answer(h handler, src string, body json.RawMessage) (json.RawMessage, bool) {
	req, bad := parseRequest(body)
	var rep reply
	switch {
	case req.isReply:
		return nil, false
	case bad != nil:
		rep = *bad
	default:
		rep = safeHandle(h, src, &req)
	}
	rep.InReplyTo = req.msgID
	out, err := json.Marshal(rep)
	if err != nil {
		return nil, false
	}
	return out, true
}

func safeHandle(h handler, src string, req *request) (rep reply) {
	defer func() {
		if p := recover(); p != nil {
			rep = errorReply(errcode.Crash, fmt.Sprintf("service crashed: %v", p))
		}
	}()
	return h.handle(src, req)
}

// request is a parsed request body.
type request struct {
	typ     string
	msgID   json.RawMessage
	fields  map[string]json.RawMessage
	isReply bool
}

func parseRequest(body json.RawMessage) (request, *reply) {
	var req request
	if err := json.Unmarshal(body, &req.fields); err != nil || req.fields == nil {
		r := errorReply(errcode.MalformedRequest, "malformed request: body is not a JSON object")
		return req, &r
	}
	if id, ok := req.fields["msg_id"]; ok {
		req.msgID = id
	}
	if irt, ok := req.fields["in_reply_to"]; ok && !isNull(irt) {
		req.isReply = true
	}
	t, ok := req.fields["type"]
	if !ok || isNull(t) || json.Unmarshal(t, &req.typ) != nil {
		r := errorReply(errcode.MalformedRequest, "malformed request: type must be a string")
		return req, &r
	}
	if req.typ == "error" {
		req.isReply = true
	}
	return req, nil
}

// field returns a required field as a value.
func (r *request) field(name string) (value, *reply) {
	raw, ok := r.fields[name]
	if !ok {
		e := errorReply(errcode.MalformedRequest, fmt.Sprintf("malformed %s request: missing %s", r.typ, name))
		return value{}, &e
	}
	v, err := newValue(raw)
	if err != nil {
		e := errorReply(errcode.MalformedRequest, fmt.Sprintf("malformed %s request: bad %s", r.typ, name))
		return value{}, &e
	}
	return v, nil
}

// truthy reads an optional flag as Clojure does: absent, null and false
// are false; anything else is true.
func (r *request) truthy(name string) bool {
	raw, ok := r.fields[name]
	if !ok {
		return false
	}
	return !isNull(raw) && string(bytes.TrimSpace(raw)) != "false"
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// reply is a response body. Value and TS are pointers or raw so that a
// null value or a zero timestamp is still sent.
type reply struct {
	Type      string          `json:"type"`
	InReplyTo json.RawMessage `json:"in_reply_to"`
	Value     json.RawMessage `json:"value,omitempty"`
	TS        *int64          `json:"ts,omitempty"`
	Code      int             `json:"code,omitempty"`
	Text      string          `json:"text,omitempty"`
}

func errorReply(code int, text string) reply {
	return reply{Type: "error", Code: code, Text: text}
}

func unsupported(service, typ string) reply {
	return errorReply(errcode.NotSupported, fmt.Sprintf("%s does not support %q requests", service, typ))
}

func keyDoesNotExist() reply {
	return errorReply(errcode.KeyDoesNotExist, "key does not exist")
}

// tso is Maelstrom's persistent-tso under the linearizable wrapper.
type tso struct{ next int64 }

func (t *tso) handle(_ string, req *request) reply {
	if req.typ != "ts" {
		return unsupported(LinTSO, req.typ)
	}
	ts := t.next
	t.next++
	return reply{Type: "ts_ok", TS: &ts}
}
