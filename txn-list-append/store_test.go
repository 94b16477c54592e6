package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

// memKV is a linearizable KV in memory that compares values as JSON, as
// Maelstrom's services compare decoded values. missing makes a key's first
// reads fail with key-does-not-exist, as lww-kv's replicas may before
// they converge; casTimeouts makes CAS requests time out, half of them
// after taking effect.
type memKV struct {
	mu          sync.Mutex
	data        map[string]string
	missing     int
	misses      map[string]int
	casTimeouts atomic.Int32
	rng         *rand.Rand
}

func newMemKV(missing int) *memKV {
	return &memKV{data: map[string]string{}, missing: missing, misses: map[string]int{}, rng: rand.New(rand.NewPCG(1, 1))}
}

func canon(v any) string {
	var x any
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &x)
	b, _ = json.Marshal(x) // maps marshal with sorted keys
	return string(b)
}

func (kv *memKV) ReadRaw(_ context.Context, key string) (json.RawMessage, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	v, ok := kv.data[key]
	if ok && kv.misses[key] < kv.missing {
		kv.misses[key]++
		ok = false
	}
	if !ok {
		return nil, node.NewRPCErrorf(node.KeyDoesNotExist, "no %s", key)
	}
	return json.RawMessage(v), nil
}

func (kv *memKV) Write(_ context.Context, key string, value any) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.data[key] = canon(value)
	return nil
}

func (kv *memKV) CompareAndSwap(_ context.Context, key string, from, to any, create bool) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	lost := ""
	if kv.casTimeouts.Load() > 0 {
		kv.casTimeouts.Add(-1)
		lost = "after"
		if kv.rng.IntN(2) == 0 {
			return node.NewRPCError(node.Timeout, "lost before")
		}
	}
	cur, ok := kv.data[key]
	switch {
	case !ok && !create:
		return node.NewRPCErrorf(node.KeyDoesNotExist, "no %s", key)
	case ok && cur != canon(from):
		return node.NewRPCErrorf(node.PreconditionFailed, "not %v", from)
	}
	kv.data[key] = canon(to)
	if lost != "" {
		return node.NewRPCError(node.Timeout, "reply lost")
	}
	return nil
}

type cluster struct {
	stores []*Store
	lin    *memKV
	cancel context.CancelFunc
}

// newCluster starts n stores on shared services, pushing to each other
// unless noPush.
func newCluster(t *testing.T, n int, missing int, noPush bool) *cluster {
	c := &cluster{lin: newMemKV(0)}
	lww := newMemKV(missing)
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	t.Cleanup(cancel)
	for i := 0; i < n; i++ {
		var seq atomic.Int64
		id := i
		var push func(Push)
		if !noPush {
			push = func(p Push) {
				for j, s := range c.stores {
					if j != id {
						s.Receive(p)
					}
				}
			}
		}
		s := NewStore(c.lin, lww, func() string { return fmt.Sprintf("n%d-%d", id, seq.Add(1)) }, push, DefaultStoreConfig)
		c.stores = append(c.stores, s)
	}
	for _, s := range c.stores {
		go s.Run(ctx)
	}
	return c
}

func txn(t *testing.T, s string) []Mop {
	m, err := ParseTxn(json.RawMessage(s))
	require.NoError(t, err)
	return m
}

func show(t *testing.T, done []Completed) string {
	b, err := json.Marshal(done)
	require.NoError(t, err)
	return string(b)
}

func TestStoreTransactsAcrossNodes(t *testing.T) {
	c := newCluster(t, 2, 3, false)
	ctx := context.Background()
	done, err := c.stores[0].Transact(ctx, txn(t, `[["r",1,null],["append",1,10],["r",1,null]]`))
	require.NoError(t, err)
	assert.JSONEq(t, `[["r",1,null],["append",1,10],["r",1,[10]]]`, show(t, done))
	done, err = c.stores[1].Transact(ctx, txn(t, `[["append",1,11],["r",1,null]]`))
	require.NoError(t, err)
	assert.JSONEq(t, `[["append",1,11],["r",1,[10,11]]]`, show(t, done))
	done, err = c.stores[0].Transact(ctx, txn(t, `[["r",1,null],["r",2,null]]`))
	require.NoError(t, err)
	assert.JSONEq(t, `[["r",1,[10,11]],["r",2,null]]`, show(t, done))
}

// TestConcurrentAppendsLandOnceInOneOrder: many clients on three nodes
// (without pushes, so stale roots and missing segments are the rule)
// append distinct elements to a few keys; afterwards every node reads
// every element exactly once, in the same order, and every acknowledged
// append is there.
func TestConcurrentAppendsLandOnceInOneOrder(t *testing.T) {
	c := newCluster(t, 3, 2, true)
	ctx := context.Background()
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for client := 0; client < 9; client++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := c.stores[client%3]
			for i := 0; i < 20; i++ {
				v := client*100 + i
				k := i % 4
				_, err := s.Transact(ctx, txn(t, fmt.Sprintf(`[["append",%d,%d],["r",%d,null]]`, k, v, k)))
				if err == nil {
					mu.Lock()
					acked[fmt.Sprint(v)] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	var first string
	for i, s := range c.stores {
		done, err := s.Transact(ctx, txn(t, `[["r",0,null],["r",1,null],["r",2,null],["r",3,null]]`))
		require.NoError(t, err)
		got := show(t, done)
		if i == 0 {
			first = got
			var reads [][]any
			require.NoError(t, json.Unmarshal([]byte(got), &reads))
			seen := map[string]int{}
			for _, r := range reads {
				for _, e := range r[2].([]any) {
					seen[fmt.Sprint(e)]++
				}
			}
			for v := range acked {
				assert.Equal(t, 1, seen[v], "element %s", v)
			}
			for v, n := range seen {
				assert.Equal(t, 1, n, "element %s", v)
			}
			assert.Len(t, acked, 180, "no conflicts are given up on")
		}
		assert.Equal(t, first, got, "node %d", i)
	}
}

// TestUnknownCommitIsIndefinite: a CAS that times out leaves the outcome
// unknown, which the client must hear as an indefinite error; the append
// is then there once or not at all, never twice.
func TestUnknownCommitIsIndefinite(t *testing.T) {
	c := newCluster(t, 1, 0, false)
	ctx := context.Background()
	c.lin.casTimeouts.Store(1)
	_, err := c.stores[0].Transact(ctx, txn(t, `[["append",1,1]]`))
	require.Error(t, err)
	assert.False(t, node.IsDefiniteError(err), "%v", err)
	_, err = c.stores[0].Transact(ctx, txn(t, `[["append",1,2]]`))
	require.NoError(t, err)
	done, err := c.stores[0].Transact(ctx, txn(t, `[["r",1,null]]`))
	require.NoError(t, err)
	assert.Contains(t, []string{`[["r",1,[1,2]]]`, `[["r",1,[2]]]`}, show(t, done))
}

func TestTransactGivesUpAtItsDeadline(t *testing.T) {
	s := NewStore(newMemKV(0), newMemKV(0), func() string { return "x" }, nil, DefaultStoreConfig)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := s.Transact(ctx, txn(t, `[["r",1,null]]`)) // Run is not running
	require.Error(t, err)
	assert.False(t, node.IsDefiniteError(err))
}

// TestCacheStaysBounded: segments the newest root no longer names are
// dropped now and then, so a long run does not keep them all.
func TestCacheStaysBounded(t *testing.T) {
	c := newCluster(t, 1, 0, false)
	s := c.stores[0]
	for i := 0; i < 3*pruneEvery; i++ {
		_, err := s.Transact(context.Background(), txn(t, fmt.Sprintf(`[["append",%d,%d]]`, i%7, i)))
		require.NoError(t, err)
	}
	s.mu.Lock()
	n := len(s.segs)
	s.mu.Unlock()
	assert.LessOrEqual(t, n, Buckets+pruneEvery)
	done, err := s.Transact(context.Background(), txn(t, `[["r",3,null]]`))
	require.NoError(t, err)
	var reads [][]any
	require.NoError(t, json.Unmarshal([]byte(show(t, done)), &reads))
	assert.Len(t, reads[0][2], 3*pruneEvery/7+1, "pruning loses nothing the root names")
}

// TestRestartedNodeKeepsEarlierSegments: a node killed and restarted
// makes ids again from scratch; its new segments must not overwrite the
// ones its first incarnation wrote, which the root still names.
func TestRestartedNodeKeepsEarlierSegments(t *testing.T) {
	lin, lww := newMemKV(0), newMemKV(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nodeID := func() string { return "n0" }
	run := func(s *Store) *Store { go s.Run(ctx); return s }
	first := run(NewStore(lin, lww, NewIDs(nodeID), nil, DefaultStoreConfig))
	for k := 0; k < 8; k++ {
		_, err := first.Transact(ctx, txn(t, fmt.Sprintf(`[["append",%d,%d]]`, k, k)))
		require.NoError(t, err)
	}
	time.Sleep(time.Millisecond) // a later start
	restarted := run(NewStore(lin, lww, NewIDs(nodeID), nil, DefaultStoreConfig))
	_, err := restarted.Transact(ctx, txn(t, `[["append",100,100]]`))
	require.NoError(t, err)
	for k := 0; k < 8; k++ {
		done, err := restarted.Transact(ctx, txn(t, fmt.Sprintf(`[["r",%d,null]]`, k)))
		require.NoError(t, err)
		assert.JSONEq(t, fmt.Sprintf(`[["r",%d,[%d]]]`, k, k), show(t, done))
	}
}
