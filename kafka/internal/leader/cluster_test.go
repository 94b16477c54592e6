package leader_test

// Leader-mode nodes in an in-process cluster (simnet) whose network loses
// chosen messages: lost pushes, and a follower cut off from its leader.

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/kafka/internal/api"
	"glomers/kafka/internal/leader"
	"glomers/kafka/internal/simnet"
	"glomers/kafka/internal/store"
	"glomers/node"
)

func newLeader(t *testing.T, ids ...string) *simnet.Cluster {
	cfg := leader.DefaultConfig()
	cfg.Interval = 5 * time.Millisecond
	cfg.Heartbeat = 20 * time.Millisecond
	cfg.Retry = 50 * time.Millisecond
	cfg.LeaderTimeout = 150 * time.Millisecond
	cfg.ForwardTimeout = 300 * time.Millisecond
	return simnet.New(t, func(n *node.Node) {
		n.Handle("init", func(node.Message) error {
			s := leader.New(n, cfg, store.New(0))
			s.Register()
			api.Register(n, s, 2*time.Second)
			go s.Run()
			return nil
		})
	}, ids...)
}

func entries(msgs ...int64) [][2]int64 {
	out := make([][2]int64, len(msgs))
	for i, m := range msgs {
		out[i] = [2]int64{int64(i), m}
	}
	return out
}

func TestForwardedSendsGetDenseOffsetsAndEveryNodeConverges(t *testing.T) {
	c := newLeader(t, "n0", "n1", "n2")
	for i, n := range []string{"n1", "n2", "n0", "n1"} {
		b := c.Send(n, "k", 10+i)
		require.Equal(t, "send_ok", b.Type)
		assert.EqualValues(t, i, *b.Offset)
	}
	for _, n := range []string{"n0", "n1", "n2"} {
		assert.Eventually(t, func() bool {
			return assert.ObjectsAreEqual(entries(10, 11, 12, 13), c.Poll(n, "k"))
		}, 2*time.Second, 5*time.Millisecond, n)
	}
}

func TestLostPushesAreResent(t *testing.T) {
	c := newLeader(t, "n0", "n1")
	var mu sync.Mutex
	lost := 0
	c.SetDrop(func(e simnet.Envelope, b simnet.Body) bool {
		mu.Lock()
		defer mu.Unlock()
		if e.Dest == "n1" && b.Type == "repl" && lost < 3 {
			lost++
			return true
		}
		return false
	})
	for i := 0; i < 5; i++ {
		require.Equal(t, "send_ok", c.Send("n0", "k", i).Type)
	}
	assert.Eventually(t, func() bool {
		got := c.Poll("n1", "k")
		for i, p := range got {
			require.EqualValues(t, i, p[0], "a follower serves a prefix: %v", got)
		}
		return len(got) == 5
	}, 2*time.Second, 5*time.Millisecond)
	mu.Lock()
	assert.Equal(t, 3, lost)
	mu.Unlock()
}

func TestCutOffFollower(t *testing.T) {
	c := newLeader(t, "n0", "n1")
	require.Equal(t, "send_ok", c.Send("n1", "k", 1).Type)
	var mu sync.Mutex
	cut := true
	c.SetDrop(func(e simnet.Envelope, b simnet.Body) bool {
		mu.Lock()
		defer mu.Unlock()
		return cut && (e.Src == "n0" && e.Dest == "n1" || e.Src == "n1" && e.Dest == "n0")
	})

	// Forwarded into the cut: the leader may have it, so indefinite.
	b := c.Send("n1", "k", 2)
	assert.Equal(t, "error", b.Type)
	assert.Equal(t, node.CodeTimeout, b.Code)

	// Once the leader has been silent long enough, sends are refused
	// without forwarding: definite.
	time.Sleep(200 * time.Millisecond)
	b = c.Send("n1", "k", 3)
	assert.Equal(t, "error", b.Type)
	assert.Equal(t, node.CodeTemporarilyUnavailable, b.Code)

	// Polls and commits still work from what n1 holds.
	assert.Equal(t, entries(1), c.Poll("n1", "k"))
	assert.Equal(t, "commit_offsets_ok", c.Call("n1", map[string]any{"type": "commit_offsets", "offsets": map[string]int{"k": 0}}).Type)
	require.Equal(t, "send_ok", c.Send("n0", "k", 4).Type, "the leader keeps taking writes")

	mu.Lock()
	cut = false
	mu.Unlock()
	assert.Eventually(t, func() bool {
		got := c.Poll("n1", "k")
		return len(got) == 2 && got[1][1] == 4 || len(got) == 3 && got[2][1] == 4
	}, 2*time.Second, 5*time.Millisecond, "n1 catches up (with the indefinite send or without)")
	assert.Eventually(t, func() bool {
		b := c.Call("n0", map[string]any{"type": "list_committed_offsets", "keys": []string{"k"}})
		return b.Offsets["k"] == 0 && len(b.Offsets) == 1
	}, 2*time.Second, 5*time.Millisecond, "n1's commit reaches the leader")
	b = c.Call("n1", map[string]any{"type": "list_committed_offsets", "keys": []string{"k", "none"}})
	assert.Equal(t, map[string]int64{"k": 0}, b.Offsets)
}
