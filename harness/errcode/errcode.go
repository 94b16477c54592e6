// Package errcode is Maelstrom's documented list of RPC error codes
// (doc/protocol.md, "Errors", and resources/errors.edn): each code's name
// and whether it is definite, that is whether it means the operation
// surely did not take place. The harness judges nodes by this list, so it
// is kept apart from the node library under test (glomers/node), which has
// its own copy; a test checks that the two agree.
package errcode

import "fmt"

// The codes Maelstrom defines. Codes below 1000 are reserved; 1000 and
// above are free for custom errors, which are indefinite.
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

// Info describes one code as errors.edn does.
type Info struct {
	Code     int
	Name     string
	Definite bool
}

// Known lists every code of errors.edn, in its order. Codes without
// `:definite? true` there are indefinite.
var Known = []Info{
	{Timeout, "timeout", false},
	{NodeNotFound, "node-not-found", true},
	{NotSupported, "not-supported", true},
	{TemporarilyUnavailable, "temporarily-unavailable", true},
	{MalformedRequest, "malformed-request", true},
	{Crash, "crash", false},
	{Abort, "abort", true},
	{KeyDoesNotExist, "key-does-not-exist", true},
	{KeyAlreadyExists, "key-already-exists", true},
	{PreconditionFailed, "precondition-failed", true},
	{TxnConflict, "txn-conflict", true},
}

func lookup(code int) (Info, bool) {
	for _, i := range Known {
		if i.Code == code {
			return i, true
		}
	}
	return Info{}, false
}

// Name is the code's name; codes Maelstrom does not define are "unknown".
func Name(code int) string {
	if i, ok := lookup(code); ok {
		return i.Name
	}
	return "unknown"
}

// Definite tells whether the code means the operation surely did not take
// place; unknown codes are indefinite, as in Maelstrom's client
// (client.clj: `(:definite? error false)`).
func Definite(code int) bool {
	i, ok := lookup(code)
	return ok && i.Definite
}

// Error is an error reply: {"type":"error","code":N,"text":"..."}.
type Error struct {
	Code int
	Text string
}

// New returns an error reply with the given code and text.
func New(code int, text string) *Error { return &Error{Code: code, Text: text} }

func (e *Error) Error() string { return fmt.Sprintf("error %d (%s): %s", e.Code, e.Name(), e.Text) }

// Name is the name of the error's code.
func (e *Error) Name() string { return Name(e.Code) }

// Definite tells whether the operation surely did not take place.
func (e *Error) Definite() bool { return Definite(e.Code) }
