package gset

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/errcode"
	"glomers/harness/history"
	"glomers/harness/workload"
)

func newWorkload(t *testing.T) workload.Workload {
	w, err := New(workload.Options{Nodes: []string{"n0"}, Concurrency: 2, Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	return w
}

func TestGeneratorMixesAddsOfNextIntegerWithReads(t *testing.T) {
	g := newWorkload(t).Generator()
	next, reads := int64(0), 0
	for i := 0; i < 2000; i++ {
		op, ok := g.Next(workload.Worker{}, nil)
		require.True(t, ok)
		switch op.F {
		case "add":
			assert.Equal(t, next, op.Value)
			next++
		case "read":
			assert.Nil(t, op.Value)
			reads++
		default:
			t.Fatalf("unexpected op %+v", op)
		}
	}
	assert.InDelta(t, 1.0, float64(next)/float64(reads), 0.15)
}

func TestFinalIsOneUnmarkedReadPerThread(t *testing.T) {
	g := newWorkload(t).Final().Generator
	for th := 0; th < 2; th++ {
		op, ok := g.Next(workload.Worker{Thread: th}, nil)
		require.True(t, ok)
		assert.Equal(t, history.Op{F: "read"}, op)
		_, ok = g.Next(workload.Worker{Thread: th}, &op)
		assert.False(t, ok)
	}
}

type fakeConn struct {
	reply json.RawMessage
	err   error
	sent  []any
}

func (c *fakeConn) ID() string { return "c1" }
func (c *fakeConn) RPC(_ context.Context, _ string, body any) (json.RawMessage, error) {
	c.sent = append(c.sent, body)
	return c.reply, c.err
}

func TestClient(t *testing.T) {
	w := newWorkload(t)
	invoke := func(conn *fakeConn, f string, v any) history.Op {
		return w.NewClient(conn, workload.Worker{Node: "n0"}, nil).Invoke(context.Background(),
			history.Op{Type: history.Invoke, F: f, Value: v})
	}

	conn := &fakeConn{reply: json.RawMessage(`{"type":"add_ok"}`)}
	out := invoke(conn, "add", int64(3))
	assert.Equal(t, history.OK, out.Type)
	assert.Equal(t, int64(3), out.Value)
	b, _ := json.Marshal(conn.sent[0])
	assert.JSONEq(t, `{"type":"add","element":3}`, string(b))

	out = invoke(&fakeConn{reply: json.RawMessage(`{"type":"read_ok","value":[2,1,12345678901234567]}`)}, "read", nil)
	assert.Equal(t, history.OK, out.Type)
	assert.Equal(t, []any{int64(2), int64(1), int64(12345678901234567)}, out.Value)

	out = invoke(&fakeConn{reply: json.RawMessage(`{"type":"read_ok","value":[]}`)}, "read", nil)
	assert.Equal(t, history.OK, out.Type)
	assert.Equal(t, []any{}, out.Value)

	// Every failure is info, definite or not, as for a client without
	// with-errors; replies that break the schema are failures too.
	out = invoke(&fakeConn{err: errcode.New(errcode.TemporarilyUnavailable, "x")}, "add", int64(3))
	assert.Equal(t, history.Info, out.Type)
	assert.Equal(t, []any{"temporarily-unavailable", "x"}, out.Error)
	out = invoke(&fakeConn{err: workload.ErrTimeout}, "read", nil)
	assert.Equal(t, history.Info, out.Type)
	assert.Equal(t, "net-timeout", out.Error)
	for _, bad := range []string{`{"type":"read_ok"}`, `{"type":"read_ok","value":null}`, `{"type":"read_ok","value":3}`, `{"type":"read_ok","elements":[1]}`} {
		out = invoke(&fakeConn{reply: json.RawMessage(bad)}, "read", nil)
		assert.Equal(t, history.Info, out.Type, bad)
		assert.NotNil(t, out.Error, bad)
	}
}

// TestCheckIsSetFullOnAdds: the workload's checker counts ops named add,
// so an add no later read sees is lost.
func TestCheckIsSetFullOnAdds(t *testing.T) {
	h := history.History{
		{Index: 0, Type: history.Invoke, Process: 0, F: "add", Value: int64(0)},
		{Index: 1, Time: 1, Type: history.OK, Process: 0, F: "add", Value: int64(0)},
		{Index: 2, Time: 2, Type: history.Invoke, Process: 1, F: "read"},
		{Index: 3, Time: 3, Type: history.OK, Process: 1, F: "read", Value: []any{}},
	}
	assert.Equal(t, check.Invalid, newWorkload(t).Check(h).Validity())
	h[3].Value = []any{int64(0)}
	assert.Equal(t, check.Valid, newWorkload(t).Check(h).Validity())
}
