package node

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Names of Maelstrom's key-value services (src/maelstrom/service.clj,
// doc/services.md).
const (
	LinKV = "lin-kv"
	SeqKV = "seq-kv"
	LWWKV = "lww-kv"
)

// KV is a client of one of Maelstrom's key-value services. The wire schema
// is the one PersistentKV in src/maelstrom/service.clj answers:
//
//	read  {key}                                  -> read_ok {value} | error 20
//	write {key, value}                           -> write_ok
//	cas   {key, from, to, create_if_not_exists}  -> cas_ok | error 20 | error 22
//
// Errors come back as *RPCError: test them with HasCode(err,
// KeyDoesNotExist) and so on. Timeouts have code 0 (indefinite).
//
// Reads of one key are coalesced: callers that read a key while a read of
// it is in flight share the next read, which is sent once the one in flight
// has completed. A caller therefore never gets a value read before it
// called, which keeps lin-kv's reads linearizable from the caller's point
// of view (joining a read already in flight, as a plain singleflight does,
// could return a value older than a write that completed before the caller
// started). At most two reads per key are outstanding; different keys
// never wait on each other.
type KV struct {
	node    *Node
	service string

	mu      sync.Mutex
	flights map[string]*keyReads
}

// keyReads is the read state of one key: the read in flight and the one
// queued behind it.
type keyReads struct {
	cur, next *readFlight
}

type readFlight struct {
	done  chan struct{}
	value json.RawMessage
	err   error
}

// NewKV returns a client of the named service (LinKV, SeqKV, LWWKV or any
// service with the same schema).
func NewKV(service string, n *Node) *KV {
	return &KV{node: n, service: service, flights: make(map[string]*keyReads)}
}

// NewLinKV returns a client of the linearizable lin-kv service.
func NewLinKV(n *Node) *KV { return NewKV(LinKV, n) }

// NewSeqKV returns a client of the sequentially consistent seq-kv service.
func NewSeqKV(n *Node) *KV { return NewKV(SeqKV, n) }

// NewLWWKV returns a client of the last-write-wins lww-kv service.
func NewLWWKV(n *Node) *KV { return NewKV(LWWKV, n) }

// Service is the node id of the service this client talks to.
func (kv *KV) Service() string { return kv.service }

type kvReadBody struct {
	Type string `json:"type"`
	Key  string `json:"key"`
}

type kvReadOKBody struct {
	Value json.RawMessage `json:"value"`
}

type kvWriteBody struct {
	Type  string `json:"type"`
	Key   string `json:"key"`
	Value any    `json:"value"`
}

type kvCASBody struct {
	Type              string `json:"type"`
	Key               string `json:"key"`
	From              any    `json:"from"`
	To                any    `json:"to"`
	CreateIfNotExists bool   `json:"create_if_not_exists,omitempty"`
}

// Read returns the value of key, as demo/go's Read does: decoded by
// encoding/json into any, except that a number at the top level comes
// back as an int (truncated, as demo/go's int(float64) does), since
// Maelstrom's workloads store integers. A missing key is an *RPCError with
// code KeyDoesNotExist. Use ReadInto or ReadRaw for other shapes.
func (kv *KV) Read(ctx context.Context, key string) (any, error) {
	var v any
	if err := kv.ReadInto(ctx, key, &v); err != nil {
		return nil, err
	}
	if f, ok := v.(float64); ok {
		return int(f), nil
	}
	return v, nil
}

// ReadInt reads the value of key as an int, as demo/go's does: a value
// that is not a number reads as 0 without error.
func (kv *KV) ReadInt(ctx context.Context, key string) (int, error) {
	v, err := kv.Read(ctx, key)
	i, _ := v.(int)
	return i, err
}

// ReadInto decodes the value of key into v.
func (kv *KV) ReadInto(ctx context.Context, key string, v any) error {
	raw, err := kv.ReadRaw(ctx, key)
	if err != nil {
		return err
	}
	if err := unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: value of key %q: %w", kv.service, key, err)
	}
	return nil
}

// ReadRaw returns the value of key as the service sent it.
func (kv *KV) ReadRaw(ctx context.Context, key string) (json.RawMessage, error) {
	kv.node.mustNotBlock("KV.Read") // it waits for a read another goroutine makes
	f := kv.joinRead(key)
	select {
	case <-f.done:
		return f.value, f.err
	case <-ctx.Done():
		return nil, ctx.Err() // as SyncRPC, and so demo/go's Read
	}
}

// joinRead returns the read this caller waits for: a new one when the key
// has none in flight, else the one queued behind the read in flight.
func (kv *KV) joinRead(key string) *readFlight {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	st := kv.flights[key]
	if st == nil {
		st = &keyReads{}
		kv.flights[key] = st
	}
	if st.cur == nil {
		st.cur = &readFlight{done: make(chan struct{})}
		go kv.fly(key, st.cur)
		return st.cur
	}
	if st.next == nil {
		st.next = &readFlight{done: make(chan struct{})}
	}
	return st.next
}

// fly performs one read for every caller waiting on f, then starts the
// queued read, if any. The read is bounded by the node's RPC timeout, not
// by any one caller's context, since several callers share it.
func (kv *KV) fly(key string, f *readFlight) {
	for f != nil {
		msg, err := kv.node.SyncRPC(context.Background(), kv.service, kvReadBody{Type: "read", Key: key})
		if err == nil {
			var ok kvReadOKBody
			if derr := unmarshal(msg.Body, &ok); derr != nil {
				err = fmt.Errorf("%s: unreadable read_ok: %w", kv.service, derr)
			}
			f.value = ok.Value
		}
		f.err = err
		close(f.done)

		kv.mu.Lock()
		st := kv.flights[key]
		st.cur, st.next = st.next, nil
		f = st.cur
		if f == nil {
			delete(kv.flights, key)
		}
		kv.mu.Unlock()
	}
}

// Write sets key to value.
func (kv *KV) Write(ctx context.Context, key string, value any) error {
	_, err := kv.node.SyncRPC(ctx, kv.service, kvWriteBody{Type: "write", Key: key, Value: value})
	return err
}

// CompareAndSwap sets key to to if its value is from. A missing key fails
// with KeyDoesNotExist (20) unless createIfNotExists, in which case it is
// created with to; a different value fails with PreconditionFailed (22).
func (kv *KV) CompareAndSwap(ctx context.Context, key string, from, to any, createIfNotExists bool) error {
	_, err := kv.node.SyncRPC(ctx, kv.service, kvCASBody{
		Type: "cas", Key: key, From: from, To: to, CreateIfNotExists: createIfNotExists,
	})
	return err
}

// Update applies fn to the value of key with a read-then-CAS loop until a
// CAS succeeds, ctx ends, fn fails, or the service answers with an error
// other than key-does-not-exist or precondition-failed; it returns the
// value written. fn gets the current value decoded into any (numbers are
// float64) and whether the key exists; a missing key is created. The CAS
// compares against the exact bytes the service sent, so numbers beyond
// float64's precision still match. An indefinite error (a timeout) is
// returned, not retried: the CAS may have taken effect, and applying fn
// again would apply it twice.
func (kv *KV) Update(ctx context.Context, key string, fn func(old any, exists bool) (any, error)) (any, error) {
	for attempt := 0; ; attempt++ {
		raw, err := kv.ReadRaw(ctx, key)
		exists := true
		switch {
		case HasCode(err, KeyDoesNotExist):
			exists, raw = false, nil
		case err != nil:
			return nil, err
		}
		var old any
		if exists {
			if err := unmarshal(raw, &old); err != nil {
				return nil, fmt.Errorf("%s: value of key %q: %w", kv.service, key, err)
			}
		}
		next, err := fn(old, exists)
		if err != nil {
			return nil, err
		}
		var from any
		if exists {
			from = raw
		}
		err = kv.CompareAndSwap(ctx, key, from, next, !exists)
		switch {
		case err == nil:
			return next, nil
		case HasCode(err, PreconditionFailed), HasCode(err, KeyDoesNotExist):
			// Lost a race; read again after a short jittered pause.
		default:
			return nil, err
		}
		pause := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 5)))
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: %w", NewRPCErrorf(Timeout, "%s: update of key %q did not complete", kv.service, key), ctx.Err())
		}
	}
}
