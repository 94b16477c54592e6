package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

// seqBackend imitates Maelstrom's seq-kv (service.clj `sequential`): a list
// of states; each client may be served any state between the last one it
// saw and the newest; a change is applied to the newest state.
type seqBackend struct {
	mu     sync.Mutex
	states []map[string]any
	rng    *rand.Rand
}

func newSeqBackend(seed uint64) *seqBackend {
	return &seqBackend{states: []map[string]any{{}}, rng: rand.New(rand.NewPCG(seed, 1))}
}

// seqClient is one node's connection: its view index, and hooks to make a
// request time out before or after it takes effect.
type seqClient struct {
	b     *seqBackend
	idx   int
	calls int
	// lose, when set, is asked before each request: "before" makes it time
	// out without effect, "after" applies it and then times out.
	lose func(op string) string
}

var errTimeout = node.NewRPCError(node.Timeout, "fake timeout")

func (c *seqClient) pick() int {
	last := len(c.b.states) - 1
	return c.idx + c.b.rng.IntN(last-c.idx+1)
}

func (c *seqClient) push(m map[string]any) {
	c.b.states = append(c.b.states, m)
	c.idx = len(c.b.states) - 1
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (c *seqClient) ReadInt(_ context.Context, key string) (int, error) {
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	c.calls++
	if c.lose != nil && c.lose("read") != "" {
		return 0, errTimeout
	}
	i := c.pick()
	c.idx = i
	v, ok := c.b.states[i][key]
	if !ok {
		return 0, node.NewRPCError(node.KeyDoesNotExist, "missing")
	}
	return int(v.(int64)), nil
}

func (c *seqClient) Write(_ context.Context, key string, value any) error {
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	c.calls++
	how := ""
	if c.lose != nil {
		how = c.lose("write")
	}
	if how == "before" {
		return errTimeout
	}
	i := c.pick()
	if v, ok := c.b.states[i][key]; ok && v == value {
		c.idx = i
	} else {
		m := clone(c.b.states[len(c.b.states)-1])
		m[key] = value
		c.push(m)
	}
	if how == "after" {
		return errTimeout
	}
	return nil
}

func casOn(m map[string]any, key string, from, to any, create bool) (bool, error) {
	v, ok := m[key]
	switch {
	case !ok && !create:
		return false, node.NewRPCError(node.KeyDoesNotExist, "missing")
	case ok && v != from:
		return false, node.NewRPCErrorf(node.PreconditionFailed, "is %v not %v", v, from)
	}
	return true, nil
}

func (c *seqClient) CompareAndSwap(_ context.Context, key string, from, to any, create bool) error {
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	c.calls++
	how := ""
	if c.lose != nil {
		how = c.lose("cas")
	}
	if how == "before" {
		return errTimeout
	}
	i := c.pick()
	if _, err := casOn(c.b.states[i], key, from, to, create); err != nil {
		c.idx = i
		return err
	}
	m := clone(c.b.states[len(c.b.states)-1])
	_, err := casOn(m, key, from, to, create)
	if err == nil {
		m[key] = to
	}
	c.push(m)
	if how == "after" {
		return errTimeout
	}
	return err
}

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Unix(1000, 0)} }
func nodes(n int) (ids []string) {
	for i := 0; i < n; i++ {
		ids = append(ids, fmt.Sprintf("n%d", i))
	}
	return ids
}

func cluster(b *seqBackend, clk *clock, n int) ([]*Counter, []*seqClient) {
	var cs []*Counter
	var stores []*seqClient
	for _, id := range nodes(n) {
		s := &seqClient{b: b}
		c := NewCounter(id, nodes(n), s, DefaultConfig)
		c.now = clk.now
		cs = append(cs, c)
		stores = append(stores, s)
	}
	return cs, stores
}

// TestConvergesDespiteStaleReads runs many random schedules of adds,
// flushes and reads on three nodes; after the last flush and a quiet
// period longer than MaxStaleness, every node reads the exact total.
func TestConvergesDespiteStaleReads(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(0); seed < 200; seed++ {
		b := newSeqBackend(seed)
		clk := newClock()
		cs, _ := cluster(b, clk, 3)
		rng := rand.New(rand.NewPCG(seed, 2))
		var total int64
		for step := 0; step < 60; step++ {
			c := cs[rng.IntN(3)]
			switch rng.IntN(4) {
			case 0, 1:
				d := rng.Int64N(5)
				require.NoError(t, c.Add(d))
				total += d
			case 2:
				require.NoError(t, c.Flush(ctx))
			case 3:
				_, err := c.Read(ctx)
				require.NoError(t, err)
			}
			clk.advance(time.Duration(rng.IntN(400)) * time.Millisecond)
		}
		for _, c := range cs {
			require.NoError(t, c.Flush(ctx))
		}
		clk.advance(10 * time.Second)
		for i, c := range cs {
			v, err := c.Read(ctx)
			require.NoError(t, err)
			require.Equal(t, total, v, "seed %d node %d", seed, i)
		}
	}
}

// TestFakeIsStale shows the fake store really serves stale values to a
// node that reads without advancing its view first; otherwise the test
// above would prove nothing.
func TestFakeIsStale(t *testing.T) {
	ctx := context.Background()
	stale := 0
	for seed := uint64(0); seed < 50; seed++ {
		b := newSeqBackend(seed)
		writer, reader := &seqClient{b: b}, &seqClient{b: b}
		for v := int64(1); v <= 5; v++ {
			require.NoError(t, writer.Write(ctx, "k", v))
		}
		v, err := reader.ReadInt(ctx, "k")
		if err != nil || v != 5 {
			stale++
		}
	}
	assert.Greater(t, stale, 25)
}

// TestTimedOutFlushIsNeitherLostNorDoubled: a flush CAS that times out
// after landing makes the next CAS fail with 22; the node reads its key
// back and stores the full total once. One that times out before landing
// is simply retried.
func TestTimedOutFlushIsNeitherLostNorDoubled(t *testing.T) {
	ctx := context.Background()
	for _, how := range []string{"before", "after"} {
		t.Run(how, func(t *testing.T) {
			b := newSeqBackend(7)
			clk := newClock()
			cs, stores := cluster(b, clk, 2)
			require.NoError(t, cs[0].Add(3))
			require.NoError(t, cs[0].Flush(ctx))
			require.NoError(t, cs[0].Add(4))
			stores[0].lose = func(op string) string {
				if op == "cas" {
					return how
				}
				return ""
			}
			require.Error(t, cs[0].Flush(ctx))
			stores[0].lose = nil
			require.NoError(t, cs[0].Add(2))
			require.NoError(t, cs[0].Flush(ctx))
			clk.advance(5 * time.Second)
			v, err := cs[1].Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, int64(9), v)
			v, err = cs[0].Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, int64(9), v)
		})
	}
}

// TestReadsUseTheViewWhileFresh: a read refreshes (a flush or sync write
// plus one read per peer) only when the view is older than MaxStaleness.
func TestReadsUseTheViewWhileFresh(t *testing.T) {
	ctx := context.Background()
	b := newSeqBackend(1)
	clk := newClock()
	cs, stores := cluster(b, clk, 3)
	_, err := cs[0].Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, stores[0].calls, "sync write + 2 peer reads")
	clk.advance(500 * time.Millisecond)
	_, err = cs[0].Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, stores[0].calls, "served from the view")
	require.NoError(t, cs[0].Add(1))
	clk.advance(600 * time.Millisecond)
	v, err := cs[0].Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), v)
	assert.Equal(t, 6, stores[0].calls, "flush (the change) + 2 peer reads")
	require.NoError(t, cs[0].Flush(ctx))
	assert.Equal(t, 6, stores[0].calls, "nothing new to flush")
}

func TestRejectsNegativeDelta(t *testing.T) {
	c := NewCounter("n0", nodes(1), &seqClient{b: newSeqBackend(1)}, DefaultConfig)
	assert.True(t, node.HasCode(c.Add(-1), node.MalformedRequest))
}
