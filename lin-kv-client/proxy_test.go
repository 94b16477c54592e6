package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

// fakeStore records calls and answers with err, or blocks until ctx ends
// when block is set.
type fakeStore struct {
	err   error
	block bool
	value json.RawMessage
	calls []string
}

func (f *fakeStore) answer(ctx context.Context, call string) error {
	f.calls = append(f.calls, call)
	if f.block {
		<-ctx.Done()
		// As node.SyncRPC reports a call that ran out of time.
		return fmt.Errorf("%w: %w", node.NewRPCError(node.Timeout, "no reply"), ctx.Err())
	}
	return f.err
}

func (f *fakeStore) ReadRaw(ctx context.Context, key string) (json.RawMessage, error) {
	if err := f.answer(ctx, "read "+key); err != nil {
		return nil, err
	}
	return f.value, nil
}

func (f *fakeStore) Write(ctx context.Context, key string, value any) error {
	return f.answer(ctx, fmt.Sprintf("write %s %s", key, value))
}

func (f *fakeStore) CompareAndSwap(ctx context.Context, key string, from, to any, create bool) error {
	return f.answer(ctx, fmt.Sprintf("cas %s %s %s %v", key, from, to, create))
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestForwardsRequests(t *testing.T) {
	ctx := context.Background()
	s := &fakeStore{value: raw(`12345678901234567890`)}
	p := NewProxy(s)
	v, err := p.Read(ctx, raw(` 7 `))
	require.NoError(t, err)
	assert.Equal(t, `12345678901234567890`, string(v), "values pass through exactly")
	require.NoError(t, p.Write(ctx, raw(`7`), raw(`3`)))
	require.NoError(t, p.CAS(ctx, raw(`"k"`), raw(`3`), raw(`4`)))
	assert.Equal(t, []string{"read 7", "write 7 3", `cas "k" 3 4 false`}, s.calls)
}

// TestErrorsKeepTheirDefiniteness: the service's own errors pass through
// with their code; a call that gets no answer becomes an indefinite
// timeout, and any other failure an indefinite crash, never a definite
// error.
func TestErrorsKeepTheirDefiniteness(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		store    *fakeStore
		code     int
		definite bool
	}{
		{"missing key", &fakeStore{err: node.NewRPCError(node.KeyDoesNotExist, "no")}, node.KeyDoesNotExist, true},
		{"cas mismatch", &fakeStore{err: node.NewRPCError(node.PreconditionFailed, "no")}, node.PreconditionFailed, true},
		{"service crash", &fakeStore{err: node.NewRPCError(node.Crash, "boom")}, node.Crash, false},
		{"no answer", &fakeStore{block: true}, node.Timeout, false},
		{"local failure", &fakeStore{err: errors.New("unreadable reply")}, node.Crash, false},
		{"bare deadline", &fakeStore{err: context.DeadlineExceeded}, node.Timeout, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProxy(tc.store)
			cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel()
			for _, err := range []error{
				p.CAS(cctx, raw(`1`), raw(`2`), raw(`3`)),
				p.Write(cctx, raw(`1`), raw(`2`)),
				func() error { _, err := p.Read(cctx, raw(`1`)); return err }(),
			} {
				var rpcErr *node.RPCError
				require.ErrorAs(t, err, &rpcErr)
				assert.Equal(t, tc.code, rpcErr.Code)
				assert.Equal(t, tc.definite, rpcErr.Definite())
			}
		})
	}
}

func TestMalformedRequests(t *testing.T) {
	ctx := context.Background()
	s := &fakeStore{}
	p := NewProxy(s)
	_, err := p.Read(ctx, nil)
	assert.True(t, node.HasCode(err, node.MalformedRequest))
	assert.True(t, node.HasCode(p.Write(ctx, raw(`1`), nil), node.MalformedRequest))
	assert.True(t, node.HasCode(p.CAS(ctx, raw(`1`), raw(`2`), nil), node.MalformedRequest))
	assert.Empty(t, s.calls)
	// An explicit null is a value.
	require.NoError(t, p.Write(ctx, raw(`1`), raw(`null`)))
}
