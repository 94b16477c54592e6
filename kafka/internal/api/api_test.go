package api_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/kafka/internal/api"
	"glomers/kafka/internal/simnet"
	"glomers/kafka/internal/store"
	"glomers/node"
)

// memBackend appends locally and fails sends on request.
type memBackend struct {
	mu   sync.Mutex
	st   *store.Store
	offs *store.Offsets
	fail error
}

func (b *memBackend) Send(ctx context.Context, key string, msg json.RawMessage) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return 0, b.fail
	}
	return int64(b.st.Append(key, msg)), nil
}
func (b *memBackend) Store() *store.Store       { return b.st }
func (b *memBackend) Commit(o map[string]int64) { b.offs.MergeAll(o) }
func (b *memBackend) Committed() *store.Offsets { return b.offs }

func setup(t *testing.T) (*simnet.Cluster, *memBackend) {
	b := &memBackend{st: store.New(2), offs: store.NewOffsets()}
	c := simnet.New(t, func(n *node.Node) { api.Register(n, b, time.Second) }, "n0")
	return c, b
}

func TestClientRPCs(t *testing.T) {
	c, _ := setup(t)
	for i := 0; i < 3; i++ {
		r := c.Send("n0", "k", 10+i)
		require.Equal(t, "send_ok", r.Type)
		assert.EqualValues(t, i, *r.Offset)
	}
	assert.Equal(t, [][2]int64{{0, 10}, {1, 11}}, c.Poll("n0", "k"), "poll-max 2")
	r := c.Call("n0", map[string]any{"type": "poll", "offsets": map[string]int{"k": 2, "other": 0}})
	assert.Equal(t, "poll_ok", r.Type)
	assert.Equal(t, map[string][][2]int64{"k": {{2, 12}}}, r.Msgs)

	assert.Equal(t, "commit_offsets_ok", c.Call("n0", map[string]any{"type": "commit_offsets", "offsets": map[string]int{"k": 2}}).Type)
	assert.Equal(t, "commit_offsets_ok", c.Call("n0", map[string]any{"type": "commit_offsets", "offsets": map[string]int{"k": 1}}).Type)
	r = c.Call("n0", map[string]any{"type": "list_committed_offsets", "keys": []string{"k", "never"}})
	assert.Equal(t, "list_committed_offsets_ok", r.Type)
	assert.Equal(t, map[string]int64{"k": 2}, r.Offsets, "never backwards; unknown keys left out")
}

func TestErrors(t *testing.T) {
	c, b := setup(t)
	r := c.Call("n0", map[string]any{"type": "send", "key": "k"})
	assert.Equal(t, node.CodeMalformedRequest, r.Code, "send without msg")
	r = c.Call("n0", map[string]any{"type": "poll", "offsets": "nope"})
	assert.Equal(t, node.CodeMalformedRequest, r.Code)
	b.mu.Lock()
	b.fail = node.NewRPCError(node.CodeTemporarilyUnavailable, "no leader")
	b.mu.Unlock()
	r = c.Send("n0", "k", 1)
	assert.Equal(t, "error", r.Type)
	assert.Equal(t, node.CodeTemporarilyUnavailable, r.Code, "the backend's code reaches the client")
}
