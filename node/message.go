// Package node is the Maelstrom protocol library every node program in this
// repository is built on. It is a drop-in for Maelstrom's own Go library
// (demo/go in the Maelstrom tree): every exported identifier of demo/go's
// node.go, kv.go and rpc_error.go exists here with the same signature and
// meaning, so a program written for demo/go builds with only its import
// changed (maelstrom "glomers/node"); dropin_test.go lists them. Each
// message, init included, runs its handler on its own goroutine, so
// handlers may block, call SyncRPC and use KV.
//
// Extras sit alongside: bad input never ends Run (it is skipped, or
// answered with the right error code), lines may be up to 128 MiB, RPCs
// are bounded by a timeout (RPCWithTimeout reports it), a SyncRPC whose
// context ends removes its callback, handler panics are recovered, output
// is batched, KV reads of one key are coalesced, Context ends background
// work at shutdown, and logging to stderr is off unless GLOMERS_LOG=1.
// Handlers that never block may opt in to running on the input goroutine
// itself (HandleNonBlocking, RPCNonBlocking), which saves a goroutine
// switch per message.
//
// The wire format is Maelstrom's doc/protocol.md: one JSON object per line,
// {"src", "dest", "body"}, where the body carries the reserved keys "type",
// "msg_id" and "in_reply_to" (and "code"/"text" for errors).
package node

import (
	"encoding/json"
)

// Message is one envelope read from or written to the network.
type Message struct {
	Src  string          `json:"src,omitempty"`
	Dest string          `json:"dest,omitempty"`
	Body json.RawMessage `json:"body,omitempty"`

	// hdr caches the reserved body fields when the library parsed them;
	// hasHdr tells whether it is filled. Messages built by callers parse
	// lazily.
	hdr    header
	hasHdr bool
}

// header holds the reserved body fields of a message.
type header struct {
	typ          string
	msgID        int
	inReplyTo    int
	hasMsgID     bool
	hasInReplyTo bool
}

// MessageBody holds the reserved body fields; embed it in your own bodies.
type MessageBody struct {
	Type      string `json:"type,omitempty"`
	MsgID     int    `json:"msg_id,omitempty"`
	InReplyTo int    `json:"in_reply_to,omitempty"`
	Code      int    `json:"code,omitempty"`
	Text      string `json:"text,omitempty"`
}

// InitMessageBody is the body of Maelstrom's init message
// (doc/protocol.md, "Initialization").
type InitMessageBody struct {
	MessageBody
	NodeID  string   `json:"node_id,omitempty"`
	NodeIDs []string `json:"node_ids,omitempty"`
}

// HandlerFunc handles one message. Returning an *RPCError (possibly
// wrapped) makes the node reply with that error's code; any other error
// replies crash (13).
type HandlerFunc func(msg Message) error

func (m *Message) header() header {
	if m.hasHdr {
		return m.hdr
	}
	if !validJSON(m.Body) { // the scanner relies on validity
		return header{}
	}
	h, _ := parseHeader(m.Body, nil) // partial on error: msg_id when readable
	return h
}

// Type is the body's "type", or "" when the body has none.
func (m Message) Type() string { return m.header().typ }

// MsgID is the body's "msg_id" (0 when absent; see HasMsgID).
func (m Message) MsgID() int { return m.header().msgID }

// HasMsgID tells whether the body carries a "msg_id", i.e. whether the
// sender expects a reply.
func (m Message) HasMsgID() bool { return m.header().hasMsgID }

// InReplyTo is the body's "in_reply_to" (0 when absent).
func (m Message) InReplyTo() int { return m.header().inReplyTo }

// IsReply tells whether the body carries "in_reply_to". Replies are routed
// to RPC callbacks, never to handlers.
func (m Message) IsReply() bool { return m.header().hasInReplyTo }

// RPCError returns the error carried by a body of type "error", or nil.
func (m Message) RPCError() *RPCError {
	if m.Type() != "error" {
		return nil
	}
	var b struct {
		Code int    `json:"code"`
		Text string `json:"text"`
	}
	if err := unmarshal(m.Body, &b); err != nil {
		// Unreadable: indefinite, as Maelstrom treats unknown errors.
		return &RPCError{Code: Crash, Text: "unreadable error body: " + err.Error()}
	}
	return &RPCError{Code: b.Code, Text: b.Text}
}

// DecodeBody unmarshals the body into v. On failure it returns a
// malformed-request (12) *RPCError, so a handler can simply
//
//	var body T
//	if err := msg.DecodeBody(&body); err != nil { return err }
func (m Message) DecodeBody(v any) error {
	if err := unmarshal(m.Body, v); err != nil {
		return Malformed(m, err)
	}
	return nil
}

// Decode is DecodeBody as a generic function:
//
//	body, err := node.Decode[T](msg)
func Decode[T any](msg Message) (T, error) {
	var v T
	err := msg.DecodeBody(&v)
	return v, err
}

// Malformed builds the malformed-request (12) error a handler returns when
// a request's fields have the wrong shape.
func Malformed(msg Message, cause error) *RPCError {
	typ := msg.Type()
	if cause == nil {
		return NewRPCErrorf(MalformedRequest, "malformed %q request", typ)
	}
	return NewRPCErrorf(MalformedRequest, "malformed %q request: %v", typ, cause)
}
