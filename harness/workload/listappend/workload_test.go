package listappend

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

func TestGeneratorAppendsUniqueValues(t *testing.T) {
	g := NewTxnGen(rand.New(rand.NewPCG(7, 8)), 3, 2, 5)
	appended := map[any]map[any]bool{}
	reads := 0
	for range 2000 {
		txn := g.Next()
		require.True(t, len(txn) >= 1 && len(txn) <= 2, "max-txn-length")
		for _, e := range txn {
			m := e.([]any)
			switch m[0] {
			case "r":
				reads++
				assert.Nil(t, m[2])
			case "append":
				k, v := m[1], m[2].(int64)
				require.LessOrEqual(t, v, int64(5), "max-writes-per-key")
				if appended[k] == nil {
					appended[k] = map[any]bool{}
				}
				require.False(t, appended[k][v], "%v appended twice to %v", v, k)
				appended[k][v] = true
			default:
				t.Fatalf("unexpected micro-op %v", m)
			}
		}
	}
	assert.Positive(t, reads)
	assert.Greater(t, len(appended), 3, "keys are retired and replaced")
}

func TestNewOptions(t *testing.T) {
	w, err := New(workload.Options{Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	op, ok := w.Generator().Next(workload.Worker{}, nil)
	require.True(t, ok)
	assert.Equal(t, "txn", op.F)
	assert.Nil(t, w.Final())
	_, err = New(workload.Options{Rand: rand.New(rand.NewPCG(1, 2)), ConsistencyModels: []string{"bogus"}})
	assert.ErrorContains(t, err, "bogus")
	_, err = New(workload.Options{Rand: rand.New(rand.NewPCG(1, 2)), KeyCount: -1})
	assert.Error(t, err)
	_, err = New(workload.Options{})
	assert.Error(t, err)
}

// listConn answers txn requests from an in-memory map of lists.
func listConn() *scenario.TxnConn {
	store := map[string][]any{}
	return &scenario.TxnConn{Apply: func(f, k string, v any) any {
		if f == "append" {
			store[k] = append(store[k], v)
		} else if l, ok := store[k]; ok {
			return append([]any(nil), l...)
		}
		return v
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
		Value: []any{[]any{"r", int64(1), nil}, []any{"append", int64(1), int64(5)}, []any{"r", int64(1), nil}}}
	conn := listConn()
	c := newClient(t, conn)
	out := c.Invoke(context.Background(), inv)
	assert.Equal(t, history.OK, out.Type)
	assert.Equal(t, []any{[]any{"r", int64(1), nil}, []any{"append", int64(1), int64(5)},
		[]any{"r", int64(1), []any{int64(5)}}}, out.Value)
	assert.JSONEq(t, `{"type":"txn","txn":[["r",1,null],["append",1,5],["r",1,null]]}`, string(conn.Got[0]))

	// txn-conflict is definite: the txn failed.
	conn = &scenario.TxnConn{Err: errcode.New(errcode.TxnConflict, "nope")}
	out = newClient(t, conn).Invoke(context.Background(), inv)
	assert.Equal(t, history.Fail, out.Type)
	assert.Equal(t, inv.Value, out.Value)

	// A timeout leaves it indeterminate.
	conn = &scenario.TxnConn{Err: fmt.Errorf("no reply: %w", workload.ErrTimeout)}
	out = newClient(t, conn).Invoke(context.Background(), inv)
	assert.Equal(t, history.Info, out.Type)
	assert.Equal(t, "net-timeout", out.Error)

	// Replies outside Maelstrom's schema are indeterminate too.
	for _, bad := range []string{`{"type":"txn_ok"}`, `{"type":"txn_ok","txn":[["w",1,2]]}`,
		`{"type":"txn_ok","txn":5}`, `{"type":"txn_ok","txn":[["r",1,3]]}`, `{"type":"txn_ok","txn":[["r",1]]}`, `nonsense`} {
		conn = &scenario.TxnConn{Reply: bad}
		out = newClient(t, conn).Invoke(context.Background(), inv)
		assert.Equal(t, history.Info, out.Type, bad)
		assert.Equal(t, inv.Value, out.Value, bad)
	}
}
