package workload

import (
	"errors"

	"glomers/harness/errcode"
	"glomers/harness/history"
)

// Complete turns the outcome of an RPC into op's completion the way
// Maelstrom's client/with-errors does: a timeout is recorded as error
// "net-timeout" and an error reply as [name text]; the op fails when the
// error is definite or the operation is idempotent, and is info otherwise.
// A nil err yields an ok completion with the given value.
func Complete(op history.Op, value any, err error, idempotent bool) history.Op {
	if err == nil {
		op.Type = history.OK
		op.Value = value
		return op
	}
	var rpcErr *errcode.Error
	switch {
	case errors.Is(err, ErrTimeout):
		op.Error = "net-timeout"
		op.Type = typeFor(false, idempotent)
	case errors.As(err, &rpcErr):
		op.Error = []any{rpcErr.Name(), rpcErr.Text}
		op.Type = typeFor(rpcErr.Definite(), idempotent)
	default:
		// A malformed reply or a local failure: we cannot know whether the
		// operation happened.
		op.Error = []any{"harness", err.Error()}
		op.Type = typeFor(false, idempotent)
	}
	return op
}

func typeFor(definite, idempotent bool) history.Type {
	if definite || idempotent {
		return history.Fail
	}
	return history.Info
}
