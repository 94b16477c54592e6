package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

// fakeKV plays Maelstrom's lin-kv service (PersistentKV in
// src/maelstrom/service.clj) against a scripted node. A read takes its
// value when it arrives; its reply can be held back per key.
type fakeKV struct {
	s *script

	mu    sync.Mutex
	data  map[string]json.RawMessage
	holds map[string]chan struct{}
	reads map[string]int
	cases atomic.Int32
}

func startKV(t *testing.T) (*script, *fakeKV) {
	s := startNode(t, nil)
	s.init()
	f := &fakeKV{s: s, data: map[string]json.RawMessage{}, holds: map[string]chan struct{}{}, reads: map[string]int{}}
	go f.serve()
	return s, f
}

func (f *fakeKV) hold(key string) (release func()) {
	ch := make(chan struct{})
	f.mu.Lock()
	f.holds[key] = ch
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		delete(f.holds, key)
		f.mu.Unlock()
		close(ch)
	}
}

func (f *fakeKV) readCount(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads[key]
}

func (f *fakeKV) serve() {
	for m := range f.s.out {
		if m["dest"] != "lin-kv" {
			continue
		}
		var b struct {
			Type   string          `json:"type"`
			MsgID  int             `json:"msg_id"`
			Key    string          `json:"key"`
			Value  json.RawMessage `json:"value"`
			From   json.RawMessage `json:"from"`
			To     json.RawMessage `json:"to"`
			Create bool            `json:"create_if_not_exists"`
		}
		raw, _ := json.Marshal(m["body"])
		_ = json.Unmarshal(raw, &b)
		var reply map[string]any
		f.mu.Lock()
		cur, exists := f.data[b.Key]
		switch b.Type {
		case "read":
			f.reads[b.Key]++
			if exists {
				reply = map[string]any{"type": "read_ok", "value": cur}
			} else {
				reply = map[string]any{"type": "error", "code": 20, "text": "key does not exist"}
			}
		case "write":
			f.data[b.Key] = b.Value
			reply = map[string]any{"type": "write_ok"}
		case "cas":
			f.cases.Add(1)
			switch {
			case !exists && b.Create:
				f.data[b.Key] = b.To
				reply = map[string]any{"type": "cas_ok"}
			case !exists:
				reply = map[string]any{"type": "error", "code": 20, "text": "key does not exist"}
			case jsonEqual(cur, b.From):
				f.data[b.Key] = b.To
				reply = map[string]any{"type": "cas_ok"}
			default:
				reply = map[string]any{"type": "error", "code": 22, "text": "current value differs"}
			}
		}
		reply["in_reply_to"] = b.MsgID
		gate := f.holds[b.Key]
		f.mu.Unlock()
		if gate != nil && b.Type == "read" {
			go func() { <-gate; f.s.trySend("lin-kv", "n1", reply) }()
		} else {
			f.s.trySend("lin-kv", "n1", reply)
		}
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestKVReadWriteCAS(t *testing.T) {
	s, _ := startKV(t)
	kv := node.NewLinKV(s.n)
	c := ctx(t)

	_, err := kv.Read(c, "x")
	require.True(t, node.HasCode(err, node.KeyDoesNotExist), "%v", err)
	assert.True(t, node.IsDefiniteError(err))

	require.NoError(t, kv.Write(c, "x", 5))
	v, err := kv.ReadInt(c, "x")
	require.NoError(t, err)
	assert.Equal(t, 5, v)
	val, err := kv.Read(c, "x")
	require.NoError(t, err)
	assert.Equal(t, 5, val, "numbers read as int, as in demo/go")

	err = kv.CompareAndSwap(c, "x", 4, 6, false)
	require.True(t, node.HasCode(err, node.PreconditionFailed), "%v", err)
	require.NoError(t, kv.CompareAndSwap(c, "x", 5, 6, false))
	err = kv.CompareAndSwap(c, "y", 0, 1, false)
	require.True(t, node.HasCode(err, node.KeyDoesNotExist), "%v", err)
	require.NoError(t, kv.CompareAndSwap(c, "y", 0, 1, true))

	require.NoError(t, kv.Write(c, "list", []int{1, 2, 3}))
	var list []int
	require.NoError(t, kv.ReadInto(c, "list", &list))
	assert.Equal(t, []int{1, 2, 3}, list)
	n, err := kv.ReadInt(c, "list")
	require.NoError(t, err, "demo/go's ReadInt reads a non-number as 0")
	assert.Zero(t, n)
	require.NoError(t, kv.Write(c, "half", 2.5))
	val, err = kv.Read(c, "half")
	require.NoError(t, err)
	assert.Equal(t, 2, val, "truncated as demo/go's int(float64)")
}

func TestKVUpdateUnderContention(t *testing.T) {
	s, f := startKV(t)
	kv := node.NewLinKV(s.n)
	c := ctx(t)
	const k = 20
	var wg sync.WaitGroup
	for i := 0; i < k; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := kv.Update(c, "counter", func(old any, exists bool) (any, error) {
				if !exists {
					return 1, nil
				}
				return int(old.(float64)) + 1, nil
			})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	v, err := kv.ReadInt(c, "counter")
	require.NoError(t, err)
	assert.Equal(t, k, v)
	assert.GreaterOrEqual(t, int(f.cases.Load()), k)

	boom := errors.New("refuse")
	_, err = kv.Update(c, "counter", func(any, bool) (any, error) { return nil, boom })
	assert.ErrorIs(t, err, boom)
}

func TestKVUpdateComparesExactBytes(t *testing.T) {
	s, _ := startKV(t)
	kv := node.NewLinKV(s.n)
	c := ctx(t)
	big := json.RawMessage(`9007199254740993`) // not representable as float64
	require.NoError(t, kv.Write(c, "big", big))
	got, err := kv.Update(c, "big", func(old any, exists bool) (any, error) { return "replaced", nil })
	require.NoError(t, err)
	assert.Equal(t, "replaced", got)
}

func TestKVConcurrentReadsOfOneKeyShareRequests(t *testing.T) {
	s, f := startKV(t)
	kv := node.NewLinKV(s.n)
	c := ctx(t)
	require.NoError(t, kv.Write(c, "a", 7))
	release := f.hold("a")
	const k = 50
	var wg sync.WaitGroup
	var started sync.WaitGroup
	started.Add(k)
	for i := 0; i < k; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			v, err := kv.ReadInt(c, "a")
			assert.NoError(t, err)
			assert.Equal(t, 7, v)
		}()
	}
	started.Wait()
	require.Eventually(t, func() bool { return f.readCount("a") == 1 }, 5*time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond) // let every reader queue up
	release()
	wg.Wait()
	assert.LessOrEqual(t, f.readCount("a"), 2, "one read in flight plus one queued read")
}

func TestKVJoinedReadNeverPredatesCaller(t *testing.T) {
	s, f := startKV(t)
	kv := node.NewLinKV(s.n)
	c := ctx(t)
	require.NoError(t, kv.Write(c, "k", 0))
	release := f.hold("k")
	first := make(chan int, 1)
	go func() {
		v, err := kv.ReadInt(c, "k")
		assert.NoError(t, err)
		first <- v
	}()
	// The first read reached the service and took value 0.
	require.Eventually(t, func() bool { return f.readCount("k") == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, kv.Write(c, "k", 1)) // completes before the next read starts
	second := make(chan int, 1)
	go func() {
		v, err := kv.ReadInt(c, "k")
		assert.NoError(t, err)
		second <- v
	}()
	time.Sleep(20 * time.Millisecond)
	release()
	assert.Equal(t, 0, <-first)
	assert.Equal(t, 1, <-second, "a read that started after the write must see it")
}

func TestKVDifferentKeysDoNotWait(t *testing.T) {
	s, f := startKV(t)
	kv := node.NewLinKV(s.n)
	c := ctx(t)
	require.NoError(t, kv.Write(c, "a", 1))
	require.NoError(t, kv.Write(c, "b", 2))
	release := f.hold("a")
	defer release()
	go func() { _, _ = kv.ReadInt(c, "a") }()
	require.Eventually(t, func() bool { return f.readCount("a") == 1 }, 5*time.Second, time.Millisecond)
	v, err := kv.ReadInt(c, "b")
	require.NoError(t, err)
	assert.Equal(t, 2, v)
}

func TestKVReadContextEndsWhileShared(t *testing.T) {
	s, f := startKV(t)
	kv := node.NewLinKV(s.n)
	c := ctx(t)
	require.NoError(t, kv.Write(c, "a", 3))
	release := f.hold("a")
	short, cancel := context.WithTimeout(c, 30*time.Millisecond)
	defer cancel()
	_, err := kv.ReadInt(short, "a")
	require.Error(t, err)
	assert.True(t, node.HasCode(err, node.Timeout))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	release()
	v, err := kv.ReadInt(c, "a")
	require.NoError(t, err)
	assert.Equal(t, 3, v)
}

func TestKVServiceTimeout(t *testing.T) {
	s := startNode(t, nil)
	s.init()
	go func() {
		for range s.out { // a service that never answers
		}
	}()
	s.n.SetRPCTimeout(50 * time.Millisecond)
	kv := node.NewSeqKV(s.n)
	assert.Equal(t, "seq-kv", kv.Service())
	_, err := kv.Read(context.Background(), "x")
	require.True(t, node.HasCode(err, node.Timeout), "%v", err)
	err = kv.Write(context.Background(), "x", 1)
	require.True(t, node.HasCode(err, node.Timeout), "%v", err)
	_, err = kv.Update(context.Background(), "x", func(any, bool) (any, error) { return 1, nil })
	require.True(t, node.HasCode(err, node.Timeout), "%v", err)
	assert.Zero(t, s.n.PendingRPCs())
}
