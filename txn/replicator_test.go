package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cluster is a set of stores and replicators joined by an in-memory
// transport that a test can partition.
type cluster struct {
	mu     sync.Mutex
	cut    bool
	stores map[string]*Store
	repls  map[string]*Replicator
	sent   int
}

func newCluster(ids ...string) *cluster {
	c := &cluster{stores: map[string]*Store{}, repls: map[string]*Replicator{}}
	for i, id := range ids {
		c.stores[id] = NewStore(i)
	}
	for _, id := range ids {
		var peers []string
		for _, p := range ids {
			if p != id {
				peers = append(peers, p)
			}
		}
		c.repls[id] = NewReplicator(peers, func(ctx context.Context, peer string, ws []Write) error {
			c.mu.Lock()
			cut := c.cut
			c.sent++
			c.mu.Unlock()
			if cut {
				<-ctx.Done()
				return errors.New("timeout")
			}
			c.stores[peer].Apply(ws)
			return nil
		})
	}
	return c
}

func (c *cluster) partition(cut bool) {
	c.mu.Lock()
	c.cut = cut
	c.mu.Unlock()
}

func (c *cluster) exec(id string, txn []Mop) []Mop {
	out, ws := c.stores[id].Execute(txn)
	c.repls[id].Add(ws)
	return out
}

func TestReplicatorKeepsNewestAndRetries(t *testing.T) {
	fail := true
	var got [][]Write
	r := NewReplicator([]string{"n1"}, func(_ context.Context, _ string, ws []Write) error {
		if fail {
			return errors.New("unreachable")
		}
		got = append(got, ws)
		return nil
	})
	r.Add([]Write{{Key: n(1), Value: n(1), TS: TS{C: 1}}})
	r.Add([]Write{{Key: n(1), Value: n(2), TS: TS{C: 2}}, {Key: n(2), Value: n(1), TS: TS{C: 2}}})
	r.Add([]Write{{Key: n(1), Value: n(0), TS: TS{C: 1, N: 1}}}) // older than what is queued
	require.Error(t, r.Flush(context.Background(), "n1", time.Second))
	assert.Equal(t, 2, r.Pending("n1"), "kept for the next try")

	fail = false
	require.NoError(t, r.Flush(context.Background(), "n1", time.Second))
	require.Len(t, got, 1)
	assert.ElementsMatch(t, []Write{{Key: n(1), Value: n(2), TS: TS{C: 2}}, {Key: n(2), Value: n(1), TS: TS{C: 2}}}, got[0])
	assert.Equal(t, 0, r.Pending("n1"))
	require.NoError(t, r.Flush(context.Background(), "n1", time.Second))
	assert.Len(t, got, 1, "nothing to send")
}

// TestReplicatorNewerWriteDuringFlight: a write that replaces a key while
// its older value is in flight must stay pending after the ack.
func TestReplicatorNewerWriteDuringFlight(t *testing.T) {
	var r *Replicator
	r = NewReplicator([]string{"n1"}, func(_ context.Context, _ string, ws []Write) error {
		r.Add([]Write{{Key: n(1), Value: n(9), TS: TS{C: 9}}})
		return nil
	})
	r.Add([]Write{{Key: n(1), Value: n(1), TS: TS{C: 1}}})
	require.NoError(t, r.Flush(context.Background(), "n1", time.Second))
	assert.Equal(t, 1, r.Pending("n1"))
}

// TestConvergeAfterHeal: both sides keep serving transactions during a
// partition; after it heals, replication brings them to the same state.
func TestConvergeAfterHeal(t *testing.T) {
	c := newCluster("n0", "n1", "n2")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, r := range c.repls {
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(ctx, time.Millisecond, 5*time.Millisecond) }()
	}
	c.partition(true)
	for i := range 300 {
		id := fmt.Sprintf("n%d", i%3)
		c.exec(id, []Mop{{"r", n(i % 7), nil}, {"w", n(i % 7), n(i)}, {"w", n(100 + i%5), n(i)}})
	}
	assert.NotEqual(t, c.stores["n0"].Snapshot(), c.stores["n1"].Snapshot())
	c.partition(false)
	require.Eventually(t, func() bool {
		for id, r := range c.repls {
			for p := range c.stores {
				if p != id && r.Pending(p) > 0 {
					return false
				}
			}
		}
		return true
	}, 5*time.Second, time.Millisecond)
	cancel()
	wg.Wait()
	want := c.stores["n0"].Snapshot()
	assert.Len(t, want, 12)
	assert.Equal(t, want, c.stores["n1"].Snapshot())
	assert.Equal(t, want, c.stores["n2"].Snapshot())
}
