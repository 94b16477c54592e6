package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig(nil, env(nil))
	require.NoError(t, err)
	assert.Equal(t, "3d", cfg.Profile)
	assert.Equal(t, Profiles["3d"].Interval, cfg.Interval)

	cfg, err = ParseConfig([]string{"3e"}, env(nil))
	require.NoError(t, err)
	assert.Equal(t, Profiles["3e"].Interval, cfg.Interval)

	cfg, err = ParseConfig([]string{"--interval=70ms", "fanout=3"},
		env(map[string]string{"BROADCAST_PROFILE": "3e", "BROADCAST_INTERVAL": "1s", "BROADCAST_ACK_DELAY": "10ms"}))
	require.NoError(t, err)
	assert.Equal(t, "3e", cfg.Profile)
	assert.Equal(t, 70*time.Millisecond, cfg.Interval, "arguments beat the environment")
	assert.Equal(t, 10*time.Millisecond, cfg.AckDelay)
	assert.Equal(t, 3, cfg.Fanout)
	assert.Equal(t, Profiles["3e"].Retry, cfg.Retry)

	for _, bad := range [][]string{{"profile=9z"}, {"interval=soon"}, {"overlay=ring"}, {"fanout=-1"}, {"colour=red"}, {"leader"}, {"interval=0s"}} {
		_, err := ParseConfig(bad, env(nil))
		assert.Error(t, err, "%v", bad)
	}
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i)
	}
	return out
}

func TestOverlay(t *testing.T) {
	ns := names(25)
	assert.Len(t, Overlay("tree", 0, "n0", ns, nil), 24, "the star's hub")
	assert.Equal(t, []string{"n0"}, Overlay("tree", 0, "n7", ns, nil))
	assert.Equal(t, []string{"n1", "n2"}, Overlay("tree", 2, "n0", ns, nil))
	assert.Equal(t, []string{"n1", "n7", "n8"}, Overlay("tree", 2, "n3", ns, nil))
	assert.Equal(t, []string{"n5"}, Overlay("tree", 2, "n12", ns, nil))
	assert.Empty(t, Overlay("tree", 0, "n0", names(1), nil))
	assert.Equal(t, []string{"n1"}, Overlay("tree", 0, "n0", names(2), nil))
	assert.Len(t, Overlay("total", 0, "n3", ns, nil), 24)
	topo := map[string][]string{"n0": {"n1"}}
	assert.Equal(t, []string{"n1"}, Overlay("topology", 0, "n0", ns, topo))
	assert.Len(t, Overlay("topology", 0, "n2", ns, topo), 24, "no entry: everyone")
}

func TestSingleNode(t *testing.T) {
	cfg := Profiles["3d"]
	s := NewServer(cfg, "n0", []string{"n0"})
	s.Broadcast(json.RawMessage("1"), epoch)
	s.Broadcast(json.RawMessage(" 1 "), epoch)
	s.Broadcast(json.RawMessage(`{"a": 2}`), epoch)
	assert.Equal(t, []json.RawMessage{json.RawMessage("1"), json.RawMessage(`{"a":2}`)}, s.Read())
	assert.Empty(t, s.Tick(epoch))
	assert.False(t, s.Pending())
}

// TestBatchingAndAcks follows one edge by hand: messages wait for the
// tick, go out in one batch, are acked by piggyback or, alone, after
// AckDelay, and are resent after Retry when no ack comes.
func TestBatchingAndAcks(t *testing.T) {
	cfg := Config{Interval: 10 * time.Millisecond, AckDelay: 50 * time.Millisecond, Retry: 200 * time.Millisecond, Overlay: "total"}
	ns := names(2)
	a, b := NewServer(cfg, "n0", ns), NewServer(cfg, "n1", ns)
	a.Broadcast(json.RawMessage("1"), epoch)
	a.Broadcast(json.RawMessage("2"), epoch)
	out := a.Tick(epoch)
	require.Len(t, out, 1)
	assert.Equal(t, "n1", out[0].Dest)
	assert.ElementsMatch(t, []json.RawMessage{json.RawMessage("1"), json.RawMessage("2")}, out[0].Body.Msgs)
	batch := out[0].Body.Batch
	assert.NotZero(t, batch)
	assert.Empty(t, a.Tick(epoch.Add(time.Millisecond)), "nothing new, nothing due")

	b.Gossip("n0", out[0].Body, epoch.Add(5*time.Millisecond))
	assert.Len(t, b.Read(), 2)
	assert.Empty(t, b.Tick(epoch.Add(10*time.Millisecond)), "b does not echo back what a sent, and holds its ack")
	b.Broadcast(json.RawMessage("3"), epoch)
	out = b.Tick(epoch.Add(20 * time.Millisecond))
	require.Len(t, out, 1)
	assert.Equal(t, []int{batch}, out[0].Body.Acks, "the ack rides on b's own batch")
	assert.Equal(t, []json.RawMessage{json.RawMessage("3")}, out[0].Body.Msgs)
	a.Gossip("n1", out[0].Body, epoch.Add(25*time.Millisecond))
	assert.Len(t, a.Read(), 3)

	// a owes an ack now and has nothing to send: it waits AckDelay.
	assert.Empty(t, a.Tick(epoch.Add(30*time.Millisecond)))
	out = a.Tick(epoch.Add(75 * time.Millisecond))
	require.Len(t, out, 1)
	assert.Zero(t, out[0].Body.Batch)
	assert.Empty(t, out[0].Body.Msgs)
	assert.Equal(t, []int{out[0].Body.Acks[0]}, out[0].Body.Acks)
	b.Gossip("n0", out[0].Body, epoch.Add(80*time.Millisecond))
	assert.False(t, a.Pending())
	assert.False(t, b.Pending())

	// A lost batch is resent after Retry.
	a.Broadcast(json.RawMessage("4"), epoch)
	lost := a.Tick(epoch.Add(100 * time.Millisecond))
	require.Len(t, lost, 1)
	assert.Empty(t, a.Tick(epoch.Add(299*time.Millisecond)))
	again := a.Tick(epoch.Add(300 * time.Millisecond))
	require.Len(t, again, 1)
	assert.Equal(t, []json.RawMessage{json.RawMessage("4")}, again[0].Body.Msgs)
	assert.NotEqual(t, lost[0].Body.Batch, again[0].Body.Batch)
}

// TestSimStarConverges runs the 3d and 3e profiles on 25 simulated nodes
// with 100 ms latency and 50 broadcasts a second, and checks that every
// message reaches every node within the latency the profile promises, with
// few messages.
func TestSimStarConverges(t *testing.T) {
	for _, tc := range []struct {
		profile    string
		maxSpread  time.Duration // from the broadcast to every node holding it
		maxPerBcst float64       // gossip messages per broadcast
	}{
		// Half of Maelstrom's operations are broadcasts, so n gossip
		// messages per broadcast are n/2 server msgs-per-op: the issue's
		// targets are 15 (3d) and 2 (3e) per op.
		{"3d", 100*time.Millisecond + time.Millisecond, 26},
		{"3e", Profiles["3e"].Interval + 200*time.Millisecond + time.Millisecond, 3.6},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			cfg := Profiles[tc.profile]
			s := newSim(cfg, 25, 100*time.Millisecond, 1)
			const count = 250 // 5 s at 50/s
			for i := 0; i < count; i++ {
				at := time.Duration(i) * 20 * time.Millisecond
				id := s.nodes[s.rng.IntN(len(s.nodes))]
				s.broadcast(at, id, i)
				v := i
				s.at(at+tc.maxSpread, func() {
					assert.Equal(t, 25, s.holders(v), "message %d not everywhere after %v", v, tc.maxSpread)
				})
			}
			s.runUntil(5*time.Second + 10*time.Second)
			require.True(t, s.converged(count))
			assert.True(t, s.quiet(), "acks settle")
			perBcst := float64(s.sent) / count
			t.Logf("%s: %d gossip messages, %.2f per broadcast", tc.profile, s.sent, perBcst)
			assert.Less(t, perBcst, tc.maxPerBcst)
		})
	}
}

// TestSimPartitions cuts the network into halves that change every
// second, and loses a fifth of the remaining messages, for 10 s; after
// healing, every message reaches every node.
func TestSimPartitions(t *testing.T) {
	for _, overlay := range []string{"tree", "topology", "total"} {
		t.Run(overlay, func(t *testing.T) {
			cfg := Profiles["3d"]
			cfg.Overlay = overlay
			s := newSim(cfg, 5, 10*time.Millisecond, 2)
			if overlay == "topology" {
				topo := map[string][]string{"n0": {"n1"}, "n1": {"n0", "n2"}, "n2": {"n1", "n3"}, "n3": {"n2", "n4"}, "n4": {"n3"}}
				for _, id := range s.nodes {
					s.servers[id].SetTopology(topo)
				}
			}
			side := map[string]int{}
			s.drop = func(at time.Duration, from, to string) bool {
				if at >= 10*time.Second {
					return false
				}
				if side[from] != side[to] {
					return true
				}
				return s.rng.IntN(5) == 0
			}
			for sec := 0; sec < 10; sec++ {
				s.at(time.Duration(sec)*time.Second, func() {
					for _, id := range s.nodes {
						side[id] = s.rng.IntN(2)
					}
				})
			}
			const count = 100
			for i := 0; i < count; i++ {
				s.broadcast(time.Duration(i)*100*time.Millisecond, s.nodes[s.rng.IntN(5)], i)
			}
			s.runUntil(10*time.Second + 5*time.Second)
			assert.True(t, s.converged(count))
			assert.True(t, s.quiet())
		})
	}
}

// TestEager checks who sends a client's message at once: everyone with
// eager=all, only the star's leaves with eager=leaf; and that on the total
// overlay nobody relays what a peer sent.
func TestEager(t *testing.T) {
	ns := names(4)
	leafCfg := Config{Interval: time.Second, AckDelay: time.Second, Retry: 3 * time.Second, Overlay: "tree", Eager: "leaf"}
	hub, leaf := NewServer(leafCfg, "n0", ns), NewServer(leafCfg, "n2", ns)
	assert.Empty(t, hub.Broadcast(json.RawMessage("1"), epoch), "the hub waits for its tick")
	out := leaf.Broadcast(json.RawMessage("2"), epoch)
	require.Len(t, out, 1)
	assert.Equal(t, "n0", out[0].Dest)
	assert.Empty(t, leaf.Broadcast(json.RawMessage("2"), epoch), "a known message is not sent again")
	hub.Gossip("n2", out[0].Body, epoch)
	out = hub.Tick(epoch.Add(time.Second))
	require.Len(t, out, 3)
	for _, o := range out {
		want := []json.RawMessage{json.RawMessage("1"), json.RawMessage("2")}
		if o.Dest == "n2" {
			want = want[:1]
			assert.Equal(t, []int{1}, o.Body.Acks)
		}
		assert.ElementsMatch(t, want, o.Body.Msgs, o.Dest)
	}

	totalCfg := Config{Interval: time.Second, AckDelay: time.Second, Retry: 3 * time.Second, Overlay: "total", Eager: "all"}
	a, b := NewServer(totalCfg, "n0", ns), NewServer(totalCfg, "n1", ns)
	out = a.Broadcast(json.RawMessage("3"), epoch)
	require.Len(t, out, 3)
	b.Gossip("n0", out[0].Body, epoch)
	assert.Len(t, b.Read(), 1)
	for _, o := range b.Tick(epoch.Add(2 * time.Second)) {
		assert.Empty(t, o.Body.Msgs, "no relaying on the total overlay")
	}
}

// TestLateAckAndStrangers: an ack for a batch already resent is harmless,
// and gossip from a node outside the overlay is acked but not answered
// with messages.
func TestLateAckAndStrangers(t *testing.T) {
	cfg := Config{Interval: 10 * time.Millisecond, AckDelay: 0, Retry: 100 * time.Millisecond, Overlay: "tree", Fanout: 1}
	ns := names(3) // a line: n0 - n1 - n2
	a := NewServer(cfg, "n0", ns)
	a.Broadcast(json.RawMessage("1"), epoch)
	first := a.Tick(epoch)
	require.Len(t, first, 1)
	second := a.Tick(epoch.Add(100 * time.Millisecond))
	require.Len(t, second, 1, "resent after Retry")
	a.Gossip("n1", GossipBody{Type: "gossip", Acks: []int{first[0].Body.Batch}}, epoch.Add(101*time.Millisecond))
	assert.Empty(t, a.Tick(epoch.Add(300*time.Millisecond)), "the late ack covers the message: no third send")
	a.Gossip("n1", GossipBody{Type: "gossip", Acks: []int{second[0].Body.Batch, 999}}, epoch.Add(301*time.Millisecond))
	assert.False(t, a.Pending())

	// n2 is not n0's neighbour on this line.
	a.Gossip("n2", GossipBody{Type: "gossip", Batch: 7, Msgs: []json.RawMessage{json.RawMessage("2")}}, epoch.Add(400*time.Millisecond))
	out := a.Tick(epoch.Add(400 * time.Millisecond))
	require.Len(t, out, 2)
	for _, o := range out {
		switch o.Dest {
		case "n1":
			assert.Equal(t, []json.RawMessage{json.RawMessage("2")}, o.Body.Msgs, "relayed to the neighbour")
		case "n2":
			assert.Empty(t, o.Body.Msgs)
			assert.Equal(t, []int{7}, o.Body.Acks)
		}
	}
}

// TestSuspectResendsAtTheFirstGossipAfterAHeal: a batch lost in a
// partition is sent again as soon as a gossip from the peer arrives
// without its ack, not only after Retry.
func TestSuspectResendsAtTheFirstGossipAfterAHeal(t *testing.T) {
	cfg := Config{Interval: 10 * time.Millisecond, AckDelay: time.Second, Retry: time.Minute, Suspect: time.Second, Overlay: "total", Eager: "all"}
	ns := names(2)
	a := NewServer(cfg, "n0", ns)
	lost := a.Broadcast(json.RawMessage("1"), epoch)
	require.Len(t, lost, 1)
	// A gossip from n1 within Suspect may have crossed the batch in flight.
	a.Gossip("n1", GossipBody{Type: "gossip", Batch: 1, Msgs: []json.RawMessage{json.RawMessage("5")}}, epoch.Add(500*time.Millisecond))
	for _, o := range a.Tick(epoch.Add(510 * time.Millisecond)) {
		assert.Empty(t, o.Body.Msgs)
	}
	// One that comes later without the ack means the batch is gone.
	a.Gossip("n1", GossipBody{Type: "gossip", Batch: 2, Msgs: []json.RawMessage{json.RawMessage("6")}}, epoch.Add(5*time.Second))
	out := a.Tick(epoch.Add(5*time.Second + 10*time.Millisecond))
	require.Len(t, out, 1)
	assert.Equal(t, []json.RawMessage{json.RawMessage("1")}, out[0].Body.Msgs)
	assert.Equal(t, []int{1, 2}, out[0].Body.Acks)
}
