package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"glomers/node"
)

// Store is the part of node.KV the counter uses; *node.KV on seq-kv is the
// real one, tests use a fake with seq-kv's staleness.
type Store interface {
	ReadInt(ctx context.Context, key string) (int, error)
	Write(ctx context.Context, key string, value any) error
	CompareAndSwap(ctx context.Context, key string, from, to any, createIfNotExists bool) error
}

// Config tunes the counter's traffic.
type Config struct {
	// FlushInterval is how often local adds are written to the store.
	FlushInterval time.Duration
	// MaxStaleness is how old a read's view of the other nodes' totals may
	// be; an older view is refreshed before answering.
	MaxStaleness time.Duration
}

// DefaultConfig keeps the traffic at a few messages per node per second.
var DefaultConfig = Config{FlushInterval: time.Second, MaxStaleness: time.Second}

// Counter is a grow-only counter on seq-kv. Each node owns one key,
// "total-<id>", holding the sum of every add it has acknowledged (a
// monotone absolute total, so writing it again is harmless); the counter's
// value is its own local total plus the others' stored totals.
//
// Adds are acknowledged at once and batched: a background flush writes the
// new total every FlushInterval with a compare-and-set from the last total
// known to be stored. A flush that times out may or may not have landed;
// the next flush's CAS then fails if it did (error 22), and the node reads
// its key back and retries from the value found. Because every stored
// value is a snapshot of a monotone total, a late-landing old CAS can only
// fail, never move the key backwards, and no acknowledged add is lost or
// counted twice.
//
// seq-kv may serve any state at or after the one this node last saw, so a
// plain read of another node's key may be stale without limit. Before
// reading the others' keys, a refresh therefore makes a change to the
// store (its flush, or a write of a fresh value to its own "sync-<id>"
// key when there is nothing to flush): a change is applied to the newest
// state and moves this node's view there, so the reads that follow see
// every total stored before the refresh began. Reads use the view when it
// is younger than MaxStaleness; after the 10 s of quiet before Maelstrom's
// final reads it never is, so final reads are always fresh.
type Counter struct {
	id    string
	peers []string
	store Store
	cfg   Config
	now   func() time.Time

	mu     sync.Mutex
	local  int64            // every add acknowledged here
	others map[string]int64 // latest totals read from the other nodes' keys
	viewAt time.Time        // when the last successful refresh began

	// writeMu serialises changes to this node's own keys and refreshes.
	writeMu sync.Mutex
	stored  int64 // the total last known to be in our key
	nonce   int64
}

// NewCounter returns the counter of node id among nodes.
func NewCounter(id string, nodes []string, store Store, cfg Config) *Counter {
	c := &Counter{id: id, store: store, cfg: cfg, now: time.Now, others: map[string]int64{}}
	for _, n := range nodes {
		if n != id {
			c.peers = append(c.peers, n)
		}
	}
	return c
}

func totalKey(id string) string { return "total-" + id }

// Add acknowledges delta; the next flush stores it.
func (c *Counter) Add(delta int64) error {
	if delta < 0 {
		return node.NewRPCErrorf(node.MalformedRequest, "g-counter delta must not be negative, got %d", delta)
	}
	c.mu.Lock()
	c.local += delta
	c.mu.Unlock()
	return nil
}

// Read returns the counter's value, refreshing the view of the other nodes
// first when it is older than MaxStaleness.
func (c *Counter) Read(ctx context.Context) (int64, error) {
	arrived := c.now()
	c.mu.Lock()
	fresh := arrived.Sub(c.viewAt) <= c.cfg.MaxStaleness
	c.mu.Unlock()
	if !fresh {
		if err := c.refresh(ctx, arrived); err != nil {
			return 0, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.local
	for _, t := range c.others {
		v += t
	}
	return v, nil
}

// Flush stores the local total if it changed since the last flush.
func (c *Counter) Flush(ctx context.Context) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.flushLocked(ctx)
	return err
}

// flushLocked CASes our key from the stored total to the local total;
// changed is false when there was nothing to store.
func (c *Counter) flushLocked(ctx context.Context) (changed bool, err error) {
	c.mu.Lock()
	target := c.local
	c.mu.Unlock()
	if target == c.stored {
		return false, nil
	}
	key := totalKey(c.id)
	from := c.stored
	for {
		err := c.store.CompareAndSwap(ctx, key, from, target, true)
		if err == nil {
			c.stored = target
			return true, nil
		}
		if !node.HasCode(err, node.PreconditionFailed) {
			return false, err
		}
		// Our key holds another total: an earlier CAS that timed out
		// landed, or this view of the store is older than our last CAS.
		// Read it (the failed CAS moved our view forward) and retry.
		v, rerr := c.store.ReadInt(ctx, key)
		switch {
		case node.HasCode(rerr, node.KeyDoesNotExist):
			v = 0
		case rerr != nil:
			return false, rerr
		}
		from = int64(v)
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
	}
}

// refresh advances this node's view of seq-kv to its newest state and
// reads the other nodes' totals. arrived is when the caller needed a fresh
// view: a refresh that began after it already gave one.
func (c *Counter) refresh(ctx context.Context, arrived time.Time) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	done := !c.viewAt.Before(arrived)
	c.mu.Unlock()
	if done {
		return nil
	}
	began := c.now()
	changed, err := c.flushLocked(ctx)
	if err != nil {
		return err
	}
	if !changed {
		c.nonce++
		if err := c.store.Write(ctx, "sync-"+c.id, fmt.Sprintf("%d-%d", began.UnixNano(), c.nonce)); err != nil {
			return err
		}
	}
	totals := make([]int64, len(c.peers))
	errs := make([]error, len(c.peers))
	var wg sync.WaitGroup
	for i, p := range c.peers {
		wg.Go(func() {
			v, err := c.store.ReadInt(ctx, totalKey(p))
			if node.HasCode(err, node.KeyDoesNotExist) {
				v, err = 0, nil
			}
			totals[i], errs[i] = int64(v), err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, p := range c.peers {
		// Totals only grow: never let a read move the view backwards.
		c.others[p] = max(c.others[p], totals[i])
	}
	if began.After(c.viewAt) {
		c.viewAt = began
	}
	return nil
}

// flushBudget bounds one flush, retries included; a flush that runs out
// is retried at the next tick.
const flushBudget = 5 * time.Second

// FlushLoop flushes every FlushInterval until ctx ends, retrying failed
// flushes at the next tick.
func (c *Counter) FlushLoop(ctx context.Context) {
	t := time.NewTicker(c.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fctx, cancel := context.WithTimeout(ctx, flushBudget)
			_ = c.Flush(fctx)
			cancel()
		}
	}
}
