package main

import (
	"context"
	"encoding/json"
	"errors"

	"glomers/node"
)

// Store is the part of node.KV the proxy uses (*node.KV on lin-kv).
type Store interface {
	ReadRaw(ctx context.Context, key string) (json.RawMessage, error)
	Write(ctx context.Context, key string, value any) error
	CompareAndSwap(ctx context.Context, key string, from, to any, createIfNotExists bool) error
}

// Proxy serves Maelstrom's lin-kv workload (lin_kv.clj: read, write, cas
// on arbitrary JSON keys) by forwarding every request to the lin-kv
// service, which is linearizable, so the proxy is too as long as it keeps
// no state of its own and reports outcomes faithfully:
//
//   - the service's error replies go back with their own code, so 20
//     key-does-not-exist and 22 precondition-failed stay definite;
//   - a service call that gets no answer in time is reported as error 0
//     (timeout), which is indefinite: the write or cas may have happened;
//   - any other local failure is 13 (crash), also indefinite.
//
// Keys and values travel as the client sent them (raw JSON), except that
// the service is addressed with the key's JSON text, since node.KV keys are
// strings: distinct JSON keys stay distinct.
type Proxy struct {
	store Store
}

// NewProxy returns a proxy to store.
func NewProxy(store Store) *Proxy { return &Proxy{store: store} }

func serviceKey(key json.RawMessage) (string, error) {
	var v any
	if len(key) == 0 || json.Unmarshal(key, &v) != nil {
		return "", node.NewRPCError(node.MalformedRequest, "missing or invalid key")
	}
	b, err := json.Marshal(v) // canonical text: 1 and 1.0 differ, whitespace does not
	if err != nil {
		return "", node.NewRPCErrorf(node.MalformedRequest, "invalid key: %v", err)
	}
	return string(b), nil
}

// Read returns key's value as the service sent it.
func (p *Proxy) Read(ctx context.Context, key json.RawMessage) (json.RawMessage, error) {
	k, err := serviceKey(key)
	if err != nil {
		return nil, err
	}
	v, err := p.store.ReadRaw(ctx, k)
	return v, faithful(err)
}

// Write sets key to value.
func (p *Proxy) Write(ctx context.Context, key, value json.RawMessage) error {
	k, err := serviceKey(key)
	if err != nil {
		return err
	}
	if len(value) == 0 {
		return node.NewRPCError(node.MalformedRequest, "write needs a value")
	}
	return faithful(p.store.Write(ctx, k, value))
}

// CAS sets key to to if it is from.
func (p *Proxy) CAS(ctx context.Context, key, from, to json.RawMessage) error {
	k, err := serviceKey(key)
	if err != nil {
		return err
	}
	if len(from) == 0 || len(to) == 0 {
		return node.NewRPCError(node.MalformedRequest, "cas needs from and to")
	}
	return faithful(p.store.CompareAndSwap(ctx, k, from, to, false))
}

// faithful maps a service call's error to the error the client must see:
// the service's own *RPCError as it is (a timeout of the call already has
// code 0), a context deadline or cancellation as a timeout (0), anything
// else as a crash (13). Both of the latter are indefinite.
func faithful(err error) error {
	if err == nil {
		return nil
	}
	var rpcErr *node.RPCError
	if errors.As(err, &rpcErr) {
		return rpcErr
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return node.NewRPCErrorf(node.Timeout, "lin-kv did not answer: %v", err)
	}
	return node.NewRPCErrorf(node.Crash, "lin-kv call failed: %v", err)
}
