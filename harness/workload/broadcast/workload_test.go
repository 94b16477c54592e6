package broadcast

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/errcode"
	"glomers/harness/history"
	"glomers/harness/workload"
)

func nodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i)
	}
	return out
}

// The expected maps below were worked out by hand from broadcast.clj.
func TestTopologies(t *testing.T) {
	cases := []struct {
		name string
		n    int
		want map[string][]string
	}{
		{"grid", 1, map[string][]string{"n0": {}}},
		{"grid", 5, map[string][]string{ // side 3: n0 n1 n2 / n3 n4
			"n0": {"n3", "n1"}, "n1": {"n4", "n2", "n0"}, "n2": {"n1"},
			"n3": {"n0", "n4"}, "n4": {"n1", "n3"},
		}},
		{"", 4, map[string][]string{
			"n0": {"n2", "n1"}, "n1": {"n3", "n0"}, "n2": {"n0", "n3"}, "n3": {"n1", "n2"},
		}},
		{"line", 1, map[string][]string{}},
		{"line", 2, map[string][]string{"n0": {"n1"}, "n1": {"n0"}}},
		{"line", 4, map[string][]string{"n0": {"n1"}, "n1": {"n0", "n2"}, "n2": {"n1", "n3"}, "n3": {"n2"}}},
		{"total", 3, map[string][]string{"n0": {"n1", "n2"}, "n1": {"n0", "n2"}, "n2": {"n0", "n1"}}},
		{"tree", 6, map[string][]string{
			"n0": {"n1", "n2"}, "n1": {"n0", "n3", "n4"}, "n2": {"n0", "n5"},
			"n3": {"n1"}, "n4": {"n1"}, "n5": {"n2"},
		}},
		{"tree3", 5, map[string][]string{
			"n0": {"n1", "n2", "n3"}, "n1": {"n0", "n4"}, "n2": {"n0"}, "n3": {"n0"}, "n4": {"n1"},
		}},
		{"tree4", 1, map[string][]string{"n0": {}}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s-%d", c.name, c.n), func(t *testing.T) {
			got, err := Topology(c.name, nodes(c.n))
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
	_, err := Topology("ring", nodes(3))
	assert.Error(t, err)
	_, err = New(workload.Options{Nodes: nodes(3), Topology: "ring"})
	assert.Error(t, err)
}

// TestTopologiesConnected checks every shape is symmetric and connected at
// the sizes the challenges use.
func TestTopologiesConnected(t *testing.T) {
	for _, name := range topologyNames {
		for _, n := range []int{2, 5, 25} {
			topo, err := Topology(name, nodes(n))
			require.NoError(t, err)
			seen := map[string]bool{"n0": true}
			queue := []string{"n0"}
			for len(queue) > 0 {
				x := queue[0]
				queue = queue[1:]
				for _, y := range topo[x] {
					assert.Contains(t, topo[y], x, "%s %d: %s-%s not symmetric", name, n, x, y)
					if !seen[y] {
						seen[y] = true
						queue = append(queue, y)
					}
				}
			}
			assert.Len(t, seen, n, "%s %d not connected", name, n)
		}
	}
}

func TestGeneratorMix(t *testing.T) {
	w, err := New(workload.Options{Nodes: nodes(3), Rand: rand.New(rand.NewPCG(7, 7))})
	require.NoError(t, err)
	g := w.Generator()
	var next int64
	reads := 0
	for i := 0; i < 1000; i++ {
		op, ok := g.Next(workload.Worker{Thread: i % 3}, nil)
		require.True(t, ok)
		switch op.F {
		case "broadcast":
			assert.Equal(t, next, op.Value)
			next++
		case "read":
			reads++
			assert.Nil(t, op.Value)
		default:
			t.Fatalf("unexpected f %q", op.F)
		}
	}
	assert.InDelta(t, 500, reads, 80)
}

func TestFinalOneReadPerThread(t *testing.T) {
	w, err := New(workload.Options{Nodes: nodes(2)})
	require.NoError(t, err)
	f := w.Final()
	require.NotNil(t, f)
	for th := 0; th < 3; th++ {
		op, ok := f.Generator.Next(workload.Worker{Thread: th}, nil)
		require.True(t, ok)
		assert.Equal(t, "read", op.F)
		assert.True(t, op.Final)
		_, ok = f.Generator.Next(workload.Worker{Thread: th, Process: th + 3}, &op)
		assert.False(t, ok)
	}
}

// fakeConn answers RPCs with a function and records the requests.
type fakeConn struct {
	mu    sync.Mutex
	id    string
	reqs  []map[string]any
	dests []string
	reply func(dest string, body map[string]any) (json.RawMessage, error)
}

func (c *fakeConn) ID() string { return c.id }

func (c *fakeConn) RPC(ctx context.Context, dest string, body any) (json.RawMessage, error) {
	b, _ := json.Marshal(body)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	c.mu.Lock()
	c.reqs = append(c.reqs, m)
	c.dests = append(c.dests, dest)
	c.mu.Unlock()
	return c.reply(dest, m)
}

func TestSetupSendsTopologyToEveryNode(t *testing.T) {
	w, err := New(workload.Options{Nodes: nodes(4), Topology: "line"})
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []*fakeConn
	open := func() workload.Conn {
		c := &fakeConn{reply: func(string, map[string]any) (json.RawMessage, error) {
			return json.RawMessage(`{"type":"topology_ok"}`), nil
		}}
		mu.Lock()
		c.id = fmt.Sprintf("c%d", len(conns)+1)
		conns = append(conns, c)
		mu.Unlock()
		return c
	}
	require.NoError(t, w.Setup(context.Background(), open))
	require.Len(t, conns, 4)
	dests := map[string]bool{}
	for _, c := range conns {
		require.Len(t, c.reqs, 1)
		dests[c.dests[0]] = true
		assert.Equal(t, "topology", c.reqs[0]["type"])
		assert.Equal(t, map[string]any{
			"n0": []any{"n1"}, "n1": []any{"n0", "n2"}, "n2": []any{"n1", "n3"}, "n3": []any{"n2"},
		}, c.reqs[0]["topology"])
	}
	assert.Len(t, dests, 4)

	// A node that refuses the topology aborts the setup.
	failing := func() workload.Conn {
		return &fakeConn{reply: func(string, map[string]any) (json.RawMessage, error) {
			return nil, errcode.New(errcode.NotSupported, "no")
		}}
	}
	assert.Error(t, w.Setup(context.Background(), failing))
}

func TestClient(t *testing.T) {
	w, err := New(workload.Options{Nodes: nodes(1)})
	require.NoError(t, err)
	var readReply json.RawMessage
	var readErr error
	conn := &fakeConn{reply: func(dest string, m map[string]any) (json.RawMessage, error) {
		switch m["type"] {
		case "broadcast":
			if m["message"] == float64(13) {
				return nil, fmt.Errorf("wrapped: %w", workload.ErrTimeout)
			}
			return json.RawMessage(`{"type":"broadcast_ok"}`), nil
		case "read":
			return readReply, readErr
		}
		return nil, errcode.New(errcode.NotSupported, "?")
	}}
	c := w.NewClient(conn, workload.Worker{Node: "n0"}, nil)
	ctx := context.Background()

	op := c.Invoke(ctx, history.Op{Type: history.Invoke, F: "broadcast", Value: int64(7)})
	assert.Equal(t, history.OK, op.Type)
	assert.Equal(t, int64(7), op.Value)
	assert.Equal(t, "n0", conn.dests[0])

	op = c.Invoke(ctx, history.Op{Type: history.Invoke, F: "broadcast", Value: int64(13)})
	assert.Equal(t, history.Info, op.Type, "a timed-out broadcast is indeterminate")
	assert.Equal(t, "net-timeout", op.Error)

	readReply = json.RawMessage(`{"type":"read_ok","messages":[3,1,2]}`)
	op = c.Invoke(ctx, history.Op{Type: history.Invoke, F: "read"})
	assert.Equal(t, history.OK, op.Type)
	assert.Equal(t, []any{int64(3), int64(1), int64(2)}, op.Value)

	readReply, readErr = nil, fmt.Errorf("x: %w", workload.ErrTimeout)
	op = c.Invoke(ctx, history.Op{Type: history.Invoke, F: "read"})
	assert.Equal(t, history.Fail, op.Type, "reads are idempotent")
}
