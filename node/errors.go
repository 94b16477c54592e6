package node

import (
	"context"
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

// NewRPCError returns an error with the given code and text.
func NewRPCError(code int, format string, args ...any) *RPCError {
	return &RPCError{Code: code, Text: fmt.Sprintf(format, args...)}
}

func (e *RPCError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("%s (error %d)", CodeName(e.Code), e.Code)
	}
	return fmt.Sprintf("%s (error %d): %s", CodeName(e.Code), e.Code, e.Text)
}

// Name is the Maelstrom name of the error's code.
func (e *RPCError) Name() string { return CodeName(e.Code) }

// Definite tells whether the operation surely did not happen.
func (e *RPCError) Definite() bool { return IsDefinite(e.Code) }

// ErrorCode returns the Maelstrom code of err: its own code for an
// *RPCError anywhere in the chain, CodeTimeout for a context deadline, and
// CodeCrash for anything else. ok is false when err is nil.
func ErrorCode(err error) (code int, ok bool) {
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
	c, ok := ErrorCode(err)
	return ok && c == code
}

// IsDefiniteError reports whether err surely means the operation did not
// happen. nil is not an error and so not definite.
func IsDefiniteError(err error) bool {
	c, ok := ErrorCode(err)
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
