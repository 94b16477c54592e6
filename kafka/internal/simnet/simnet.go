// Package simnet is test support for the kafka node's modes: an
// in-process cluster of real node.Node instances on pipes (no stdin, no
// harness), a toy lin-kv with Maelstrom's read and cas semantics, and a
// network whose messages a test can drop one by one, to force what the
// harness's partitions cannot: a lost reply, a lost push.
package simnet

import (
	"bufio"
	"encoding/json"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"glomers/node"
)

// Envelope is a message on the wire.
type Envelope struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

// Body holds every body field the tests read or write.
type Body struct {
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
	Offsets   map[string]int64      `json:"offsets,omitempty"`
	Msgs      map[string][][2]int64 `json:"msgs,omitempty"`
}

// Cluster is the nodes, lin-kv and the client c1.
type Cluster struct {
	t      *testing.T
	mu     sync.Mutex
	in     map[string]*io.PipeWriter
	kv     map[string]string // lin-kv: key -> raw JSON value
	drop   func(e Envelope, b Body) bool
	waits  map[int]chan Body
	nextID int
}

// New starts nodes ids, each set up by setup (which registers its
// handlers, typically inside an init handler), and initialises them.
func New(t *testing.T, setup func(n *node.Node), ids ...string) *Cluster {
	c := &Cluster{t: t, in: map[string]*io.PipeWriter{}, kv: map[string]string{}, waits: map[int]chan Body{}}
	for _, id := range ids {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		n := node.NewNodeIO(inR, outW)
		setup(n)
		c.in[id] = inW
		done := make(chan struct{})
		go func() { _ = n.Run(); outW.Close(); close(done) }()
		go c.route(outR)
		t.Cleanup(func() { inW.Close(); <-done })
	}
	for _, id := range ids {
		b := c.Call(id, map[string]any{"type": "init", "node_id": id, "node_ids": ids})
		require.Equal(t, "init_ok", b.Type)
	}
	return c
}

func (c *Cluster) route(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e Envelope
		var b Body
		if json.Unmarshal(sc.Bytes(), &e) != nil || json.Unmarshal(e.Body, &b) != nil {
			continue
		}
		c.deliver(e, b)
	}
}

func (c *Cluster) deliver(e Envelope, b Body) {
	c.mu.Lock()
	drop := c.drop != nil && c.drop(e, b)
	c.mu.Unlock()
	if drop {
		return
	}
	switch {
	case e.Dest == "lin-kv":
		c.deliver(Envelope{Src: "lin-kv", Dest: e.Src}, c.linKV(b))
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
			line, _ = json.Marshal(Envelope{Src: e.Src, Dest: e.Dest, Body: raw})
		}
		c.mu.Lock()
		w := c.in[e.Dest]
		c.mu.Unlock()
		_, _ = w.Write(append(line, '\n'))
	}
}

// linKV answers read and cas as Maelstrom's lin-kv does.
func (c *Cluster) linKV(b Body) Body {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Body{InReplyTo: b.MsgID}
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
		case ok && Compact(b.From) != cur:
			r.Type, r.Code = "error", node.CodePreconditionFailed
		default:
			c.kv[b.Key] = Compact(b.To)
			r.Type = "cas_ok"
		}
	}
	return r
}

// Compact is raw re-encoded canonically ("null" for absent).
func Compact(raw json.RawMessage) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	b, _ := json.Marshal(v)
	return string(b)
}

// Call sends a client request to a node and waits for the reply.
func (c *Cluster) Call(dest string, req map[string]any) Body {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan Body, 1)
	c.waits[id] = ch
	w := c.in[dest]
	c.mu.Unlock()
	req["msg_id"] = id
	raw, _ := json.Marshal(req)
	line, _ := json.Marshal(Envelope{Src: "c1", Dest: dest, Body: raw})
	_, _ = w.Write(append(line, '\n'))
	select {
	case b := <-ch:
		return b
	case <-time.After(5 * time.Second):
		c.t.Fatalf("no reply from %s to %v", dest, req)
		return Body{}
	}
}

// Send sends msg to key through node dest.
func (c *Cluster) Send(dest, key string, msg int) Body {
	return c.Call(dest, map[string]any{"type": "send", "key": key, "msg": msg})
}

// Poll reads key from offset 0 at node dest.
func (c *Cluster) Poll(dest, key string) [][2]int64 {
	b := c.Call(dest, map[string]any{"type": "poll", "offsets": map[string]int{key: 0}})
	return b.Msgs[key]
}

// SetDrop installs the drop rule: messages for which it returns true are lost.
func (c *Cluster) SetDrop(f func(e Envelope, b Body) bool) {
	c.mu.Lock()
	c.drop = f
	c.mu.Unlock()
}
