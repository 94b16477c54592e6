package main

import (
	"context"
	"sync"
	"time"
)

// Transport sends one batch of writes to a peer and reports whether the
// peer acknowledged it.
type Transport func(ctx context.Context, peer string, ws []Write) error

// Replicator ships committed writes to every other node, batching them
// and retrying until each peer acknowledges, so that writes made on either
// side of a partition reach everyone after it heals. Per peer it keeps only
// the newest pending write of each key: last-writer-wins makes older ones
// useless to the peer, which also keeps batches small after long
// partitions.
type Replicator struct {
	mu      sync.Mutex
	pending map[string]map[string]Write // peer -> key -> newest write
	send    Transport
}

// NewReplicator makes a replicator to peers.
func NewReplicator(peers []string, send Transport) *Replicator {
	r := &Replicator{pending: map[string]map[string]Write{}, send: send}
	for _, p := range peers {
		r.pending[p] = map[string]Write{}
	}
	return r
}

// Add queues writes for every peer.
func (r *Replicator) Add(ws []Write) {
	if len(ws) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.pending {
		for _, w := range ws {
			k := keyString(w.Key)
			if old, ok := m[k]; !ok || old.TS.Less(w.TS) {
				m[k] = w
			}
		}
	}
}

// batch returns what peer still needs.
func (r *Replicator) batch(peer string) []Write {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.pending[peer]
	out := make([]Write, 0, len(m))
	for _, w := range m {
		out = append(out, w)
	}
	return out
}

// acked drops the writes peer acknowledged, unless newer ones replaced
// them meanwhile.
func (r *Replicator) acked(peer string, ws []Write) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.pending[peer]
	for _, w := range ws {
		k := keyString(w.Key)
		if cur, ok := m[k]; ok && cur.TS == w.TS {
			delete(m, k)
		}
	}
}

// Pending counts the writes not yet acknowledged by peer.
func (r *Replicator) Pending(peer string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending[peer])
}

// Flush sends peer its pending writes once, waiting at most timeout for
// the acknowledgement.
func (r *Replicator) Flush(ctx context.Context, peer string, timeout time.Duration) error {
	ws := r.batch(peer)
	if len(ws) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := r.send(ctx, peer, ws); err != nil {
		return err
	}
	r.acked(peer, ws)
	return nil
}

// Run flushes every peer each interval until ctx ends; one goroutine per
// peer, so a partitioned peer does not hold back the others.
func (r *Replicator) Run(ctx context.Context, interval, timeout time.Duration) {
	var wg sync.WaitGroup
	for peer := range r.pending {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					_ = r.Flush(ctx, peer, timeout) // retried next tick
				}
			}
		}()
	}
	wg.Wait()
}
