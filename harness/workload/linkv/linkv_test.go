package linkv

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/errcode"
	"glomers/harness/history"
	"glomers/harness/workload"
)

func opts(nodes, concurrency int) workload.Options {
	o := workload.Options{Concurrency: concurrency, Rand: rand.New(rand.NewPCG(3, 4))}
	for i := 0; i < nodes; i++ {
		o.Nodes = append(o.Nodes, "n"+string(rune('0'+i)))
	}
	return o
}

// TestGeneratorGroups: with 3 nodes and concurrency 12 there are two groups
// of 6 threads, each on its own key; the first 3 threads of a group only
// read; a key gets at most DefaultPerKeyLimit ops and keys are never
// shared between groups.
func TestGeneratorGroups(t *testing.T) {
	w, err := NewLinKV(opts(3, 12))
	require.NoError(t, err)
	g := w.Generator()
	perKey := map[int64]int{}
	keyGroup := map[int64]int{}
	for i := 0; i < 3000; i++ {
		th := i % 12
		op, ok := g.Next(workload.Worker{Thread: th, Process: th}, nil)
		require.True(t, ok)
		kv, ok := history.AsList(op.Value)
		require.True(t, ok)
		k, _ := history.AsInt(kv[0])
		perKey[k]++
		if grp, seen := keyGroup[k]; seen {
			assert.Equal(t, grp, th/6, "key %d used by two groups", k)
		}
		keyGroup[k] = th / 6
		if th%6 < 3 {
			assert.Equal(t, "read", op.F)
			assert.Nil(t, kv[1])
		} else {
			assert.Contains(t, []string{"write", "cas"}, op.F)
		}
	}
	assert.Greater(t, len(perKey), 3000/DefaultPerKeyLimit)
	for k, n := range perKey {
		assert.LessOrEqual(t, n, DefaultPerKeyLimit, "key %d", k)
	}
}

// TestGeneratorProcessLimit: a key moves on once 20 processes used it.
func TestGeneratorProcessLimit(t *testing.T) {
	w, err := NewLinKV(opts(1, 2))
	require.NoError(t, err)
	g := w.Generator()
	keys := map[int64]bool{}
	for p := 0; p < 41; p++ {
		op, _ := g.Next(workload.Worker{Thread: p % 2, Process: p}, nil)
		kv, _ := history.AsList(op.Value)
		k, _ := history.AsInt(kv[0])
		keys[k] = true
	}
	assert.Len(t, keys, 3)
}

type fakeConn struct {
	reply json.RawMessage
	err   error
	sent  []any
}

func (c *fakeConn) ID() string { return "c1" }
func (c *fakeConn) RPC(ctx context.Context, _ string, body any) (json.RawMessage, error) {
	c.sent = append(c.sent, body)
	if c.err == context.DeadlineExceeded {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return c.reply, c.err
}

func TestClient(t *testing.T) {
	w, err := NewLinKV(opts(1, 2))
	require.NoError(t, err)
	ctx := context.Background()
	inv := func(conn *fakeConn, f string, v any) history.Op {
		return w.NewClient(conn, workload.Worker{Node: "n0"}, nil).Invoke(ctx, history.Op{Type: history.Invoke, F: f, Value: v})
	}

	conn := &fakeConn{reply: json.RawMessage(`{"type":"read_ok","value":3}`)}
	out := inv(conn, "read", []any{int64(7), nil})
	assert.Equal(t, history.OK, out.Type)
	assert.Equal(t, []any{int64(7), int64(3)}, out.Value)
	b, _ := json.Marshal(conn.sent[0])
	assert.JSONEq(t, `{"type":"read","key":7}`, string(b))

	conn = &fakeConn{reply: json.RawMessage(`{"type":"cas_ok"}`)}
	out = inv(conn, "cas", []any{int64(7), []any{int64(1), int64(2)}})
	assert.Equal(t, history.OK, out.Type)
	b, _ = json.Marshal(conn.sent[0])
	assert.JSONEq(t, `{"type":"cas","key":7,"from":1,"to":2}`, string(b))

	conn = &fakeConn{reply: json.RawMessage(`{"type":"write_ok"}`)}
	out = inv(conn, "write", []any{int64(7), int64(4)})
	assert.Equal(t, history.OK, out.Type)
	b, _ = json.Marshal(conn.sent[0])
	assert.JSONEq(t, `{"type":"write","key":7,"value":4}`, string(b))

	// Definite errors fail, as do all read errors; others are info.
	for _, tc := range []struct {
		f    string
		v    any
		err  error
		want history.Type
	}{
		{"cas", []any{int64(1), []any{int64(1), int64(2)}}, errcode.New(errcode.PreconditionFailed, "no"), history.Fail},
		{"cas", []any{int64(1), []any{int64(1), int64(2)}}, errcode.New(errcode.KeyDoesNotExist, "no"), history.Fail},
		{"read", []any{int64(1), nil}, errcode.New(errcode.KeyDoesNotExist, "no"), history.Fail},
		{"write", []any{int64(1), int64(1)}, errcode.New(errcode.Crash, "?"), history.Info},
		{"cas", []any{int64(1), []any{int64(1), int64(2)}}, workload.ErrTimeout, history.Info},
		{"read", []any{int64(1), nil}, workload.ErrTimeout, history.Fail},
		{"write", []any{int64(1), int64(1)}, context.DeadlineExceeded, history.Info},
	} {
		out := inv(&fakeConn{err: tc.err}, tc.f, tc.v)
		assert.Equal(t, tc.want, out.Type, "%s %v", tc.f, tc.err)
		assert.Equal(t, tc.v, out.Value)
		if errors.Is(tc.err, workload.ErrTimeout) || tc.err == context.DeadlineExceeded {
			assert.Equal(t, "net-timeout", out.Error)
		}
	}
}
