package txnrw

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/errcode"
	"glomers/harness/history"
	"glomers/harness/workload"
	"glomers/internal/scenario"
)

func TestGeneratorDefaults(t *testing.T) {
	w, err := New(workload.Options{Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	op, ok := w.Generator().Next(workload.Worker{}, nil)
	require.True(t, ok)
	assert.Equal(t, "txn", op.F)
	l := op.Value.([]any)
	assert.True(t, len(l) >= 1 && len(l) <= DefaultMaxTxnLength)

	_, err = New(workload.Options{Rand: rand.New(rand.NewPCG(1, 2)), ConsistencyModels: []string{"bogus"}})
	assert.Error(t, err)
	_, err = New(workload.Options{Rand: rand.New(rand.NewPCG(1, 2)), ConsistencyModels: []string{"read-committed", "snapshot-isolation"}})
	assert.NoError(t, err)
}

// registerConn answers txn requests from an in-memory map of registers.
func registerConn() *scenario.TxnConn {
	store := map[string]any{}
	return &scenario.TxnConn{Apply: func(f, k string, v any) any {
		if f == "w" {
			store[k] = v
			return v
		}
		return store[k]
	}}
}

// newClient makes the workload's client for node n0.
func newClient(t *testing.T, conn workload.Conn) workload.Client {
	w, err := New(workload.Options{Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	return w.NewClient(conn, workload.Worker{Node: "n0"}, nil)
}

func TestClient(t *testing.T) {
	inv := history.Op{Type: history.Invoke, Process: 3, F: "txn",
		Value: []any{[]any{"w", int64(1), int64(5)}, []any{"r", int64(1), nil}, []any{"r", int64(2), nil}}}

	conn := registerConn()
	c := newClient(t, conn)
	out := c.Invoke(context.Background(), inv)
	assert.Equal(t, history.OK, out.Type)
	assert.Equal(t, []any{[]any{"w", int64(1), int64(5)}, []any{"r", int64(1), int64(5)}, []any{"r", int64(2), nil}}, out.Value)
	assert.JSONEq(t, `{"type":"txn","txn":[["w",1,5],["r",1,null],["r",2,null]]}`, string(conn.Got[0]))

	// txn-conflict is definite: the txn failed.
	conn = &scenario.TxnConn{Err: errcode.New(errcode.TxnConflict, "nope")}
	out = newClient(t, conn).Invoke(context.Background(), inv)
	assert.Equal(t, history.Fail, out.Type)
	assert.Equal(t, inv.Value, out.Value)
	assert.Equal(t, []any{"txn-conflict", "nope"}, out.Error)

	// A timeout or a crash leaves it indeterminate.
	conn = &scenario.TxnConn{Err: fmt.Errorf("no reply: %w", workload.ErrTimeout)}
	out = newClient(t, conn).Invoke(context.Background(), inv)
	assert.Equal(t, history.Info, out.Type)
	assert.Equal(t, "net-timeout", out.Error)
	conn = &scenario.TxnConn{Err: errcode.New(errcode.Crash, "boom")}
	out = newClient(t, conn).Invoke(context.Background(), inv)
	assert.Equal(t, history.Info, out.Type)

	// A reply that is not a list of micro-ops is indeterminate too.
	for _, bad := range []string{`{"type":"txn_ok"}`, `{"type":"txn_ok","txn":[["x",1,2]]}`, `{"type":"txn_ok","txn":5}`} {
		conn = &scenario.TxnConn{Reply: bad}
		out = newClient(t, conn).Invoke(context.Background(), inv)
		assert.Equal(t, history.Info, out.Type, bad)
		assert.Equal(t, inv.Value, out.Value)
	}
}

// TestWorkloadCheck runs the workload's own checker on a simulated
// history, with the models from the options.
func TestWorkloadCheck(t *testing.T) {
	w, err := New(workload.Options{Rand: rand.New(rand.NewPCG(1, 2)), ConsistencyModels: []string{"read-committed"}})
	require.NoError(t, err)
	assert.Equal(t, "false", w.Check(simulate(5, 500, 5, false)).Validity().String())
	assert.Equal(t, "true", w.Check(simulate(5, 500, 5, true)).Validity().String())
}
