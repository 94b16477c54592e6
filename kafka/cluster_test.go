package main

// Nodes of both modes in one process, on the harness's simulated network
// (harness/netsim) with its lin-kv (harness/service), with the faults the
// harness's nemesis cannot aim: a lost compare-and-swap reply, lost pushes.

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

	"glomers/harness/netsim"
	"glomers/harness/service"
	"glomers/node"
)

type cluster struct {
	t   *testing.T
	net *netsim.Network
	ids []string

	mu      sync.Mutex
	drop    func(m netsim.Message, typ string) bool // on the way into a node
	replies map[int]chan json.RawMessage
	msgID   int
}

// newCluster starts nodes n0..n(count-1) in mode and sends them init.
func newCluster(t *testing.T, mode string, count int) *cluster {
	c := &cluster{t: t, net: netsim.New(netsim.Config{}), replies: map[int]chan json.RawMessage{}}
	svc := service.Start(c.net, 1)
	for i := 0; i < count; i++ {
		c.ids = append(c.ids, fmt.Sprintf("n%d", i))
	}
	for _, id := range c.ids {
		c.startNode(id, mode)
	}
	c.net.Add("c1", netsim.ReceiverFunc(func(m netsim.Message) {
		var h struct {
			InReplyTo int `json:"in_reply_to"`
		}
		_ = json.Unmarshal(m.Body, &h)
		c.mu.Lock()
		ch := c.replies[h.InReplyTo]
		c.mu.Unlock()
		if ch != nil {
			ch <- m.Body
		}
	}))
	t.Cleanup(func() { svc.Close(); _ = c.net.Close() })
	for _, id := range c.ids {
		c.call(id, map[string]any{"type": "init", "node_id": id, "node_ids": c.ids})
	}
	return c
}

func (c *cluster) startNode(id, mode string) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	n := node.NewNodeIO(inR, outW)
	n.SetLogOutput(io.Discard)
	start(n, mode)
	go func() { _ = n.Run(); _ = outW.Close() }()
	mb := netsim.NewMailbox(func(m netsim.Message) {
		var b struct{ Type string }
		_ = json.Unmarshal(m.Body, &b)
		c.mu.Lock()
		drop := c.drop != nil && c.drop(m, b.Type)
		c.mu.Unlock()
		if !drop {
			line, _ := json.Marshal(m)
			_, _ = inW.Write(append(line, '\n'))
		}
	})
	c.net.Add(id, mb)
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var m netsim.Message
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				c.net.Send(m.Src, m.Dest, m.Body)
			}
		}
	}()
	c.t.Cleanup(func() { _ = inW.Close(); mb.Close() })
}

func (c *cluster) setDrop(f func(m netsim.Message, typ string) bool) {
	c.mu.Lock()
	c.drop = f
	c.mu.Unlock()
}

// call sends body from client c1 to node id and returns the reply.
func (c *cluster) call(id string, body map[string]any) map[string]any {
	c.mu.Lock()
	c.msgID++
	body["msg_id"] = c.msgID
	ch := make(chan json.RawMessage, 1)
	c.replies[c.msgID] = ch
	c.mu.Unlock()
	raw, _ := json.Marshal(body)
	require.True(c.t, c.net.Send("c1", id, raw))
	select {
	case r := <-ch:
		var out map[string]any
		require.NoError(c.t, json.Unmarshal(r, &out))
		return out
	case <-time.After(5 * time.Second):
		c.t.Fatalf("no reply from %s to %s", id, raw)
		return nil
	}
}

func (c *cluster) send(id, key string, msg int) map[string]any {
	return c.call(id, map[string]any{"type": "send", "key": key, "msg": msg})
}

// poll returns key's [offset, msg] pairs at node id from offset 0.
func (c *cluster) poll(id, key string) [][2]float64 {
	r := c.call(id, map[string]any{"type": "poll", "offsets": map[string]int{key: 0}})
	var out [][2]float64
	msgs, _ := r["msgs"].(map[string]any)[key].([]any)
	for _, e := range msgs {
		p := e.([]any)
		out = append(out, [2]float64{p[0].(float64), p[1].(float64)})
	}
	return out
}

// converges waits until every node serves want for key.
func (c *cluster) converges(key string, want ...int) {
	c.t.Helper()
	var pairs [][2]float64
	for i, m := range want {
		pairs = append(pairs, [2]float64{float64(i), float64(m)})
	}
	for _, id := range c.ids {
		assert.Eventually(c.t, func() bool { return assert.ObjectsAreEqual(pairs, c.poll(id, key)) },
			3*time.Second, 20*time.Millisecond, "%s serves %v", id, pairs)
	}
}

func TestSendsGetDenseOffsetsAndEveryNodeConverges(t *testing.T) {
	for _, mode := range []string{"cas", "leader"} {
		t.Run(mode, func(t *testing.T) {
			c := newCluster(t, mode, 3)
			for i := 0; i < 6; i++ {
				r := c.send(c.ids[i%3], "k", 100+i)
				require.Equal(t, "send_ok", r["type"], "%v", r)
				assert.EqualValues(t, i, r["offset"])
			}
			c.converges("k", 100, 101, 102, 103, 104, 105)
			c.call("n2", map[string]any{"type": "commit_offsets", "offsets": map[string]int{"k": 3}})
			for _, id := range c.ids {
				assert.Eventually(t, func() bool {
					r := c.call(id, map[string]any{"type": "list_committed_offsets", "keys": []string{"k"}})
					return assert.ObjectsAreEqual(map[string]any{"k": 3.0}, r["offsets"])
				}, 3*time.Second, 20*time.Millisecond, "%s has the commit", id)
			}
		})
	}
}

func TestLostCASReplyIsSettledAsOurs(t *testing.T) {
	c := newCluster(t, "cas", 2)
	dropped := false
	c.setDrop(func(m netsim.Message, typ string) bool {
		if m.Dest == "n1" && typ == "cas_ok" && !dropped {
			dropped = true
			return true
		}
		return false
	})
	r := c.send("n1", "k", 7)
	require.Equal(t, "send_ok", r["type"], "the retried compare-and-swap fails, the read shows ours: %v", r)
	assert.True(t, dropped)
	assert.EqualValues(t, 1, c.send("n0", "k", 8)["offset"])
	c.converges("k", 7, 8)
}

// An unanswered compare-and-swap whose owner cannot reach lin-kv: the
// next sender, who moved the counter on from it, makes the offset known.
func TestTheNextSenderPublishesAnUncertainOffset(t *testing.T) {
	c := newCluster(t, "cas", 2)
	c.setDrop(func(m netsim.Message, typ string) bool {
		return m.Dest == "n1" && m.Src == service.LinKV
	})
	r := c.send("n1", "k", 7)
	assert.EqualValues(t, node.Timeout, r["code"], "n1 cannot know: %v", r)
	assert.EqualValues(t, 1, c.send("n0", "k", 8)["offset"])
	c.converges("k", 7, 8)
}

func TestLostPushesAreResent(t *testing.T) {
	c := newCluster(t, "leader", 3)
	lost := 0
	c.setDrop(func(m netsim.Message, typ string) bool {
		if m.Dest == "n2" && typ == "replicate" && lost < 3 {
			lost++
			return true
		}
		return false
	})
	for i := 0; i < 4; i++ {
		require.Equal(t, "send_ok", c.send("n1", "k", i)["type"])
	}
	c.converges("k", 0, 1, 2, 3)
	assert.Equal(t, 3, lost)
}

// A follower forwards a send with a callback (RPCNonBlocking): when the
// leader's answer is lost, the callback's timeout answers the client with
// timeout (0, indefinite), within sendTimeout; the leader did append it.
func TestLostForwardReplyTimesOut(t *testing.T) {
	c := newCluster(t, "leader", 2)
	c.setDrop(func(m netsim.Message, typ string) bool {
		return m.Dest == "n1" && typ == "forward_send_ok"
	})
	start := time.Now()
	r := c.send("n1", "k", 7)
	assert.EqualValues(t, node.Timeout, r["code"], "n1 cannot know: %v", r)
	assert.Less(t, time.Since(start), sendTimeout+time.Second)
	c.setDrop(nil)
	assert.EqualValues(t, 1, c.send("n1", "k", 8)["offset"])
	c.converges("k", 7, 8)
}
