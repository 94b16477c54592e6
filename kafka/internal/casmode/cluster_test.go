package casmode_test

// CAS-mode nodes in an in-process cluster (simnet) whose network loses
// chosen compare-and-set requests and replies, which the harness cannot
// force: lin-kv is never partitioned there.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/kafka/internal/api"
	"glomers/kafka/internal/casmode"
	"glomers/kafka/internal/simnet"
	"glomers/kafka/internal/store"
	"glomers/node"
)

func newCAS(t *testing.T, ids ...string) *simnet.Cluster {
	cfg := casmode.DefaultConfig()
	cfg.CASTimeout = 200 * time.Millisecond
	cfg.Interval = 5 * time.Millisecond
	return simnet.New(t, func(n *node.Node) {
		n.Handle("init", func(node.Message) error {
			s := casmode.New(n, cfg, store.New(0))
			s.Register()
			api.Register(n, s, 2*time.Second)
			go s.Run()
			return nil
		})
	}, ids...)
}

func TestReplicatedLogConverges(t *testing.T) {
	c := newCAS(t, "n0", "n1", "n2")
	for i := 0; i < 9; i++ {
		b := c.Send(fmt.Sprintf("n%d", i%3), "k", 100+i)
		require.Equal(t, "send_ok", b.Type)
		assert.EqualValues(t, i, *b.Offset, "offsets are dense and in order")
	}
	want := make([][2]int64, 9)
	for i := range want {
		want[i] = [2]int64{int64(i), int64(100 + i)}
	}
	for _, n := range []string{"n0", "n1", "n2"} {
		assert.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, c.Poll(n, "k")) }, 2*time.Second, 10*time.Millisecond, n)
	}
}

func TestLostCASReplyIsSettledAsOurs(t *testing.T) {
	c := newCAS(t, "n0", "n1")
	dropped := 0
	c.SetDrop(func(e simnet.Envelope, b simnet.Body) bool {
		if e.Src == "lin-kv" && b.Type == "cas_ok" && dropped == 0 {
			dropped++
			return true
		}
		return false
	})
	b := c.Send("n0", "k", 7)
	require.Equal(t, "send_ok", b.Type, "the claim is settled within the send's deadline: %+v", b)
	assert.EqualValues(t, 0, *b.Offset)
	assert.Equal(t, 1, dropped)
	b = c.Send("n1", "k", 8)
	require.Equal(t, "send_ok", b.Type)
	assert.EqualValues(t, 1, *b.Offset)
	for _, n := range []string{"n0", "n1"} {
		assert.Eventually(t, func() bool {
			return assert.ObjectsAreEqual([][2]int64{{0, 7}, {1, 8}}, c.Poll(n, "k"))
		}, 2*time.Second, 10*time.Millisecond, n)
	}
}

func TestLostCASRequestIsRetried(t *testing.T) {
	c := newCAS(t, "n0")
	dropped := 0
	c.SetDrop(func(e simnet.Envelope, b simnet.Body) bool {
		if e.Dest == "lin-kv" && b.Type == "cas" && dropped == 0 {
			dropped++
			return true
		}
		return false
	})
	b := c.Send("n0", "k", 7)
	require.Equal(t, "send_ok", b.Type)
	assert.EqualValues(t, 0, *b.Offset)
	assert.Equal(t, [][2]int64{{0, 7}}, c.Poll("n0", "k"))
}

// A node whose CAS landed but that lost touch with lin-kv learns that the
// offset is its own from the next entry, published by another node; until
// then nobody serves the later offset, so no reader can skip the earlier.
func TestUncertainOffsetBlocksLaterOnesUntilSettled(t *testing.T) {
	c := newCAS(t, "n0", "n1")
	var cut sync.Mutex
	cutOff := true
	c.SetDrop(func(e simnet.Envelope, b simnet.Body) bool {
		cut.Lock()
		defer cut.Unlock()
		if !cutOff {
			return false
		}
		// n0's CAS lands, but n0 hears nothing more from lin-kv.
		if e.Src == "lin-kv" && e.Dest == "n0" {
			return true
		}
		if e.Src == "n0" && e.Dest == "lin-kv" && b.Type != "cas" {
			return true
		}
		if e.Src == "n0" && e.Dest == "lin-kv" && b.Type == "cas" {
			return simnet.Compact(b.From) != "null" && len(b.From) > 0 // only its first CAS (create) goes through
		}
		return false
	})
	b := c.Send("n0", "k", 1)
	assert.Equal(t, "error", b.Type, "uncertain: n0 cannot tell yet")
	assert.Equal(t, node.CodeTimeout, b.Code, "and says so with an indefinite error")

	b = c.Send("n1", "k", 2)
	require.Equal(t, "send_ok", b.Type)
	assert.EqualValues(t, 1, *b.Offset, "offset 0 went to n0's CAS")
	// n1 must not serve offset 1 while offset 0 is unknown to it; n0
	// learns from n1's entry that offset 0 is its own and publishes it.
	assert.Eventually(t, func() bool {
		got := c.Poll("n1", "k")
		if len(got) > 0 && got[0][0] != 0 {
			t.Errorf("n1 served %v before offset 0", got)
		}
		return assert.ObjectsAreEqual([][2]int64{{0, 1}, {1, 2}}, got)
	}, 3*time.Second, 5*time.Millisecond)
	assert.Equal(t, [][2]int64{{0, 1}, {1, 2}}, c.Poll("n0", "k"))
}
