package counter

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/errcode"
	"glomers/harness/history"
	"glomers/harness/workload"
)

func opts() workload.Options {
	return workload.Options{Nodes: []string{"n0", "n1"}, Concurrency: 2, Rand: rand.New(rand.NewPCG(1, 2))}
}

func TestGeneratorMix(t *testing.T) {
	for _, tc := range []struct {
		name     string
		new      workload.Factory
		negative bool
	}{{"g-counter", NewGCounter, false}, {"pn-counter", NewPNCounter, true}} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := tc.new(opts())
			require.NoError(t, err)
			g := w.Generator()
			adds, reads, neg := 0, 0, 0
			for i := 0; i < 3000; i++ {
				op, ok := g.Next(workload.Worker{}, nil)
				require.True(t, ok)
				switch op.F {
				case "add":
					adds++
					d, ok := history.AsInt(op.Value)
					require.True(t, ok)
					assert.GreaterOrEqual(t, d, int64(-5))
					assert.Less(t, d, int64(5))
					if d < 0 {
						neg++
					}
				case "read":
					reads++
				}
			}
			if tc.negative {
				assert.Positive(t, neg)
				assert.InDelta(t, 1.0, float64(adds)/float64(reads), 0.15)
			} else {
				assert.Zero(t, neg)
				assert.InDelta(t, 0.5, float64(adds)/float64(reads), 0.1)
			}
		})
	}
}

func TestFinalOneReadPerThread(t *testing.T) {
	w, err := NewGCounter(opts())
	require.NoError(t, err)
	g := w.Final().Generator
	for th := 0; th < 2; th++ {
		op, ok := g.Next(workload.Worker{Thread: th}, nil)
		require.True(t, ok)
		assert.Equal(t, history.Op{F: "read", Final: true}, op)
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
	w, err := NewGCounter(opts())
	require.NoError(t, err)
	ctx := context.Background()

	conn := &fakeConn{reply: json.RawMessage(`{"type":"read_ok","value":42}`)}
	out := w.NewClient(conn, workload.Worker{Node: "n0"}, nil).Invoke(ctx, history.Op{Type: history.Invoke, F: "read"})
	assert.Equal(t, history.OK, out.Type)
	assert.Equal(t, int64(42), out.Value)

	conn = &fakeConn{reply: json.RawMessage(`{"type":"add_ok"}`)}
	out = w.NewClient(conn, workload.Worker{Node: "n0"}, nil).Invoke(ctx, history.Op{Type: history.Invoke, F: "add", Value: int64(3)})
	assert.Equal(t, history.OK, out.Type)
	assert.Equal(t, int64(3), out.Value)
	b, _ := json.Marshal(conn.sent[0])
	assert.JSONEq(t, `{"type":"add","delta":3}`, string(b))

	// Every error is info, as Maelstrom's client without with-errors.
	conn = &fakeConn{err: errcode.New(errcode.TemporarilyUnavailable, "x")}
	out = w.NewClient(conn, workload.Worker{Node: "n0"}, nil).Invoke(ctx, history.Op{Type: history.Invoke, F: "add", Value: int64(3)})
	assert.Equal(t, history.Info, out.Type)
	assert.Equal(t, []any{"temporarily-unavailable", "x"}, out.Error)

	conn = &fakeConn{err: workload.ErrTimeout}
	out = w.NewClient(conn, workload.Worker{Node: "n0"}, nil).Invoke(ctx, history.Op{Type: history.Invoke, F: "read"})
	assert.Equal(t, history.Info, out.Type)
	assert.Equal(t, "net-timeout", out.Error)

	conn = &fakeConn{reply: json.RawMessage(`{"type":"read_ok"}`)}
	out = w.NewClient(conn, workload.Worker{Node: "n0"}, nil).Invoke(ctx, history.Op{Type: history.Invoke, F: "read"})
	assert.Equal(t, history.Info, out.Type)
}
