package casmode_test

// An in-process cluster of CAS-mode nodes (real node.Node instances on
// pipes, no stdin) with a toy lin-kv and a network that can drop chosen
// messages, to exercise what the harness cannot force: compare-and-set
// replies and requests that are lost.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/kafka/internal/api"
	"glomers/kafka/internal/casmode"
	"glomers/kafka/internal/store"
	"glomers/node"
)

type envelope struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

type body struct {
	Type      string                `json:"type"`
	MsgID     int                   `json:"msg_id,omitempty"`
	InReplyTo int                   `json:"in_reply_to,omitempty"`
	Key       string                `json:"key,omitempty"`
	From      json.RawMessage       `json:"from,omitempty"`
	To        json.RawMessage       `json:"to,omitempty"`
	Create    bool                  `json:"create_if_not_exists,omitempty"`
	Value     json.RawMessage       `json:"value,omitempty"`
	Code      int                   `json:"code,omitempty"`
	Offset    *int64                `json:"offset,omitempty"`
	Msgs      map[string][][2]int64 `json:"msgs,omitempty"`
}

type cluster struct {
	t      *testing.T
	mu     sync.Mutex
	in     map[string]*io.PipeWriter
	kv     map[string]string // lin-kv: key -> raw JSON value
	drop   func(e envelope, b body) bool
	waits  map[int]chan body
	nextID int
}

func newCluster(t *testing.T, ids ...string) *cluster {
	c := &cluster{t: t, in: map[string]*io.PipeWriter{}, kv: map[string]string{}, waits: map[int]chan body{}}
	cfg := casmode.DefaultConfig()
	cfg.CASTimeout = 200 * time.Millisecond
	cfg.Interval = 5 * time.Millisecond
	for _, id := range ids {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		n := node.NewNodeIO(inR, outW)
		n.Handle("init", func(node.Message) error {
			s := casmode.New(n, cfg, store.New(0))
			s.Register()
			api.Register(n, s, 2*time.Second)
			go s.Run()
			return nil
		})
		c.in[id] = inW
		done := make(chan struct{})
		go func() { _ = n.Run(); outW.Close(); close(done) }()
		go c.route(outR)
		t.Cleanup(func() { inW.Close(); <-done })
	}
	for _, id := range ids {
		b := c.call(id, map[string]any{"type": "init", "node_id": id, "node_ids": ids})
		require.Equal(t, "init_ok", b.Type)
	}
	return c
}

func (c *cluster) route(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e envelope
		var b body
		if json.Unmarshal(sc.Bytes(), &e) != nil || json.Unmarshal(e.Body, &b) != nil {
			continue
		}
		c.deliver(e, b)
	}
}

func (c *cluster) deliver(e envelope, b body) {
	c.mu.Lock()
	drop := c.drop != nil && c.drop(e, b)
	c.mu.Unlock()
	if drop {
		return
	}
	switch {
	case e.Dest == "lin-kv":
		c.deliver(envelope{Src: "lin-kv", Dest: e.Src}, c.linKV(b))
	case e.Dest == "c1":
		c.mu.Lock()
		ch := c.waits[b.InReplyTo]
		c.mu.Unlock()
		if ch != nil {
			ch <- b
		}
	default:
		line, _ := json.Marshal(e)
		if e.Body == nil {
			raw, _ := json.Marshal(b)
			line, _ = json.Marshal(envelope{Src: e.Src, Dest: e.Dest, Body: raw})
		}
		c.mu.Lock()
		w := c.in[e.Dest]
		c.mu.Unlock()
		_, _ = w.Write(append(line, '\n'))
	}
}

// linKV answers read and cas as Maelstrom's lin-kv does.
func (c *cluster) linKV(b body) body {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := body{InReplyTo: b.MsgID}
	cur, ok := c.kv[b.Key]
	switch b.Type {
	case "read":
		if !ok {
			r.Type, r.Code = "error", node.CodeKeyDoesNotExist
			return r
		}
		r.Type = "read_ok"
		r.Value = json.RawMessage(cur)
	case "cas":
		switch {
		case !ok && !b.Create:
			r.Type, r.Code = "error", node.CodeKeyDoesNotExist
		case ok && compact(b.From) != cur:
			r.Type, r.Code = "error", node.CodePreconditionFailed
		default:
			c.kv[b.Key] = compact(b.To)
			r.Type = "cas_ok"
		}
	}
	return r
}

func compact(raw json.RawMessage) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	b, _ := json.Marshal(v)
	return string(b)
}

// call sends a client request to a node and waits for the reply.
func (c *cluster) call(dest string, req map[string]any) body {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan body, 1)
	c.waits[id] = ch
	w := c.in[dest]
	c.mu.Unlock()
	req["msg_id"] = id
	raw, _ := json.Marshal(req)
	line, _ := json.Marshal(envelope{Src: "c1", Dest: dest, Body: raw})
	_, _ = w.Write(append(line, '\n'))
	select {
	case b := <-ch:
		return b
	case <-time.After(5 * time.Second):
		c.t.Fatalf("no reply from %s to %v", dest, req)
		return body{}
	}
}

func (c *cluster) send(dest, key string, msg int) body {
	return c.call(dest, map[string]any{"type": "send", "key": key, "msg": msg})
}

func (c *cluster) poll(dest, key string) [][2]int64 {
	b := c.call(dest, map[string]any{"type": "poll", "offsets": map[string]int{key: 0}})
	return b.Msgs[key]
}

func (c *cluster) setDrop(f func(e envelope, b body) bool) {
	c.mu.Lock()
	c.drop = f
	c.mu.Unlock()
}

func TestReplicatedLogConverges(t *testing.T) {
	c := newCluster(t, "n0", "n1", "n2")
	for i := 0; i < 9; i++ {
		b := c.send(fmt.Sprintf("n%d", i%3), "k", 100+i)
		require.Equal(t, "send_ok", b.Type)
		assert.EqualValues(t, i, *b.Offset, "offsets are dense and in order")
	}
	want := make([][2]int64, 9)
	for i := range want {
		want[i] = [2]int64{int64(i), int64(100 + i)}
	}
	for _, n := range []string{"n0", "n1", "n2"} {
		assert.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, c.poll(n, "k")) }, 2*time.Second, 10*time.Millisecond, n)
	}
}

func TestLostCASReplyIsSettledAsOurs(t *testing.T) {
	c := newCluster(t, "n0", "n1")
	dropped := 0
	c.setDrop(func(e envelope, b body) bool {
		if e.Src == "lin-kv" && b.Type == "cas_ok" && dropped == 0 {
			dropped++
			return true
		}
		return false
	})
	b := c.send("n0", "k", 7)
	require.Equal(t, "send_ok", b.Type, "the claim is settled within the send's deadline: %+v", b)
	assert.EqualValues(t, 0, *b.Offset)
	assert.Equal(t, 1, dropped)
	b = c.send("n1", "k", 8)
	require.Equal(t, "send_ok", b.Type)
	assert.EqualValues(t, 1, *b.Offset)
	for _, n := range []string{"n0", "n1"} {
		assert.Eventually(t, func() bool {
			return assert.ObjectsAreEqual([][2]int64{{0, 7}, {1, 8}}, c.poll(n, "k"))
		}, 2*time.Second, 10*time.Millisecond, n)
	}
}

func TestLostCASRequestIsRetried(t *testing.T) {
	c := newCluster(t, "n0")
	dropped := 0
	c.setDrop(func(e envelope, b body) bool {
		if e.Dest == "lin-kv" && b.Type == "cas" && dropped == 0 {
			dropped++
			return true
		}
		return false
	})
	b := c.send("n0", "k", 7)
	require.Equal(t, "send_ok", b.Type)
	assert.EqualValues(t, 0, *b.Offset)
	assert.Equal(t, [][2]int64{{0, 7}}, c.poll("n0", "k"))
}

// A node whose CAS landed but that lost touch with lin-kv learns that the
// offset is its own from the next entry, published by another node; until
// then nobody serves the later offset, so no reader can skip the earlier.
func TestUncertainOffsetBlocksLaterOnesUntilSettled(t *testing.T) {
	c := newCluster(t, "n0", "n1")
	var cut sync.Mutex
	cutOff := true
	c.setDrop(func(e envelope, b body) bool {
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
			return compact(b.From) != "null" && len(b.From) > 0 // only its first CAS (create) goes through
		}
		return false
	})
	b := c.send("n0", "k", 1)
	assert.Equal(t, "error", b.Type, "uncertain: n0 cannot tell yet")
	assert.Equal(t, node.CodeTimeout, b.Code, "and says so with an indefinite error")

	b = c.send("n1", "k", 2)
	require.Equal(t, "send_ok", b.Type)
	assert.EqualValues(t, 1, *b.Offset, "offset 0 went to n0's CAS")
	// n1 must not serve offset 1 while offset 0 is unknown to it; n0
	// learns from n1's entry that offset 0 is its own and publishes it.
	assert.Eventually(t, func() bool {
		got := c.poll("n1", "k")
		if len(got) > 0 && got[0][0] != 0 {
			t.Errorf("n1 served %v before offset 0", got)
		}
		return assert.ObjectsAreEqual([][2]int64{{0, 1}, {1, 2}}, got)
	}, 3*time.Second, 5*time.Millisecond)
	assert.Equal(t, [][2]int64{{0, 1}, {1, 2}}, c.poll("n0", "k"))
}
