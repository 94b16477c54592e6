package node

import (
	"context"
	"errors"
	"fmt"
)

// Error codes from Maelstrom's doc/protocol.md and resources/errors.edn,
// under the names Maelstrom's Go library (demo/go/rpc_error.go) gives them,
// so that code written against it reads the same here. Codes below 1000 are
// reserved by Maelstrom; 1000 and above are custom and always indefinite.
const (
	Timeout                = 0
	NodeNotFound           = 1
	NotSupported           = 10
	TemporarilyUnavailable = 11
	MalformedRequest       = 12
	Crash                  = 13
	Abort                  = 14
	KeyDoesNotExist        = 20
	KeyAlreadyExists       = 21
	PreconditionFailed     = 22
	TxnConflict            = 30
)

type codeInfo struct {
	name     string
	definite bool
}

// codes is the registry of errors.edn: the name and definiteness of each code.
var codes = map[int]codeInfo{
	Timeout:                {"timeout", false},
	NodeNotFound:           {"node-not-found", true},
	NotSupported:           {"not-supported", true},
	TemporarilyUnavailable: {"temporarily-unavailable", true},
	MalformedRequest:       {"malformed-request", true},
	Crash:                  {"crash", false},
	Abort:                  {"abort", true},
	KeyDoesNotExist:        {"key-does-not-exist", true},
	KeyAlreadyExists:       {"key-already-exists", true},
	PreconditionFailed:     {"precondition-failed", true},
	TxnConflict:            {"txn-conflict", true},
}

// CodeName is the Maelstrom name of an error code ("unknown" for codes
// Maelstrom does not define).
func CodeName(code int) string {
	if c, ok := codes[code]; ok {
		return c.name
	}
	return "unknown"
}

// IsDefinite tells whether an error with this code means the operation
// surely did not take place. Unknown and custom codes are indefinite, as in
// Maelstrom's client (maelstrom/client.clj: `(:definite? error false)`).
func IsDefinite(code int) bool {
	return codes[code].definite
}

// RPCError is a Maelstrom error body: {"type":"error","code":N,"text":"..."}.
type RPCError struct {
	Code int    `json:"code"`
	Text string `json:"text,omitempty"`
}

// NewRPCError returns an error with the given code and text, as demo/go's
// NewRPCError does (same signature). NewRPCErrorf formats the text.
func NewRPCError(code int, text string) *RPCError {
	return &RPCError{Code: code, Text: text}
}

// NewRPCErrorf returns an error with the given code and a formatted text.
func NewRPCErrorf(code int, format string, args ...any) *RPCError {
	return &RPCError{Code: code, Text: fmt.Sprintf(format, args...)}
}

// Error has demo/go's form: RPCError(Name, "text"), with the names of
// ErrorCodeText.
func (e *RPCError) Error() string {
	return fmt.Sprintf("RPCError(%s, %q)", ErrorCodeText(e.Code), e.Text)
}

// MarshalJSON gives the error's wire body, {"type":"error","code":N,
// "text":"..."}, so that Reply(req, err) sends an error reply as in
// demo/go. Unlike demo/go, code is written even when it is 0 (timeout):
// Maelstrom's protocol requires it.
func (e *RPCError) MarshalJSON() ([]byte, error) {
	return marshal(errorBody{Type: "error", Code: e.Code, Text: e.Text})
}

// ErrorCodeText is demo/go's CamelCase name of a code ("Timeout",
// "KeyDoesNotExist", ...; "ErrorCode<N>" for codes it does not name). See
// CodeName for Maelstrom's own kebab-case names.
func ErrorCodeText(code int) string {
	switch code {
	case Timeout:
		return "Timeout"
	case NotSupported:
		return "NotSupported"
	case TemporarilyUnavailable:
		return "TemporarilyUnavailable"
	case MalformedRequest:
		return "MalformedRequest"
	case Crash:
		return "Crash"
	case Abort:
		return "Abort"
	case KeyDoesNotExist:
		return "KeyDoesNotExist"
	case KeyAlreadyExists:
		return "KeyAlreadyExists"
	case PreconditionFailed:
		return "PreconditionFailed"
	case TxnConflict:
		return "TxnConflict"
	}
	return fmt.Sprintf("ErrorCode<%d>", code)
}

// Name is the Maelstrom name of the error's code.
func (e *RPCError) Name() string { return CodeName(e.Code) }

// Definite tells whether the operation surely did not happen.
func (e *RPCError) Definite() bool { return IsDefinite(e.Code) }

// ErrorCode is demo/go's: the code of err when it is an *RPCError, -1
// otherwise (nil included). It also finds an *RPCError wrapped inside err
// (errors.As), which demo/go does not; a bare context error is -1 in both.
func ErrorCode(err error) int {
	var rpcErr *RPCError
	if errors.As(err, &rpcErr) {
		return rpcErr.Code
	}
	return -1
}

// CodeOf returns the Maelstrom code a node should answer err with: its
// own code for an *RPCError anywhere in the chain, Timeout for a
// context deadline, and Crash for anything else. ok is false when err
// is nil.
func CodeOf(err error) (code int, ok bool) {
	if err == nil {
		return 0, false
	}
	var rpcErr *RPCError
	if errors.As(err, &rpcErr) {
		return rpcErr.Code, true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout, true
	}
	return Crash, true
}

// HasCode reports whether err carries the given Maelstrom code.
func HasCode(err error, code int) bool {
	c, ok := CodeOf(err)
	return ok && c == code
}

// IsDefiniteError reports whether err surely means the operation did not
// happen. nil is not an error and so not definite.
func IsDefiniteError(err error) bool {
	c, ok := CodeOf(err)
	return ok && IsDefinite(c)
}
