package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Error codes from Maelstrom's doc/protocol.md and resources/errors.edn.
// Codes below 1000 are reserved by Maelstrom; 1000 and above are custom and
// always indefinite.
const (
	CodeTimeout                = 0
	CodeNodeNotFound           = 1
	CodeNotSupported           = 10
	CodeTemporarilyUnavailable = 11
	CodeMalformedRequest       = 12
	CodeCrash                  = 13
	CodeAbort                  = 14
	CodeKeyDoesNotExist        = 20
	CodeKeyAlreadyExists       = 21
	CodePreconditionFailed     = 22
	CodeTxnConflict            = 30
)

type codeInfo struct {
	name     string
	definite bool
}

// codes is the registry of errors.edn: the name and definiteness of each code.
var codes = map[int]codeInfo{
	CodeTimeout:                {"timeout", false},
	CodeNodeNotFound:           {"node-not-found", true},
	CodeNotSupported:           {"not-supported", true},
	CodeTemporarilyUnavailable: {"temporarily-unavailable", true},
	CodeMalformedRequest:       {"malformed-request", true},
	CodeCrash:                  {"crash", false},
	CodeAbort:                  {"abort", true},
	CodeKeyDoesNotExist:        {"key-does-not-exist", true},
	CodeKeyAlreadyExists:       {"key-already-exists", true},
	CodePreconditionFailed:     {"precondition-failed", true},
	CodeTxnConflict:            {"txn-conflict", true},
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
	return json.Marshal(errorBody{Type: "error", Code: e.Code, Text: e.Text})
}

// ErrorCodeText is demo/go's CamelCase name of a code ("Timeout",
// "KeyDoesNotExist", ...; "ErrorCode<N>" for codes it does not name). See
// CodeName for Maelstrom's own kebab-case names.
func ErrorCodeText(code int) string {
	switch code {
	case CodeTimeout:
		return "Timeout"
	case CodeNotSupported:
		return "NotSupported"
	case CodeTemporarilyUnavailable:
		return "TemporarilyUnavailable"
	case CodeMalformedRequest:
		return "MalformedRequest"
	case CodeCrash:
		return "Crash"
	case CodeAbort:
		return "Abort"
	case CodeKeyDoesNotExist:
		return "KeyDoesNotExist"
	case CodeKeyAlreadyExists:
		return "KeyAlreadyExists"
	case CodePreconditionFailed:
		return "PreconditionFailed"
	case CodeTxnConflict:
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
// own code for an *RPCError anywhere in the chain, CodeTimeout for a
// context deadline, and CodeCrash for anything else. ok is false when err
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
		return CodeTimeout, true
	}
	return CodeCrash, true
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

// Aliases with the names Maelstrom's Go library (demo/go/rpc_error.go)
// uses, so that code written against it reads the same here.
const (
	Timeout                = CodeTimeout
	NodeNotFound           = CodeNodeNotFound
	NotSupported           = CodeNotSupported
	TemporarilyUnavailable = CodeTemporarilyUnavailable
	MalformedRequest       = CodeMalformedRequest
	Crash                  = CodeCrash
	Abort                  = CodeAbort
	KeyDoesNotExist        = CodeKeyDoesNotExist
	KeyAlreadyExists       = CodeKeyAlreadyExists
	PreconditionFailed     = CodePreconditionFailed
	TxnConflict            = CodeTxnConflict
)
