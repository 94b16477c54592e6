package main

// The gossip Server driven step by step, as etcd's raft interaction tests
// are: each file under testdata/server is a script of broadcasts, ticks at
// a fake clock, deliveries and losses, with what each step sent.
// `go test ./broadcast -run TestServer -rewrite` rewrites the expectations.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type wire struct {
	from string
	out  Outgoing
}

type script struct {
	ids     []string
	servers map[string]*Server
	inbox   []wire // sent, not yet delivered or dropped
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(t *testing.T, d *datadriven.TestData) time.Time {
	ms := 0
	if d.HasArg("at") {
		d.ScanArgs(t, "at", &ms)
	}
	return epoch.Add(time.Duration(ms) * time.Millisecond)
}

func (s *script) sent(from string, outs []Outgoing) string {
	var b strings.Builder
	for _, o := range outs {
		// Round-trip through JSON, as the wire does.
		raw, _ := json.Marshal(o.Body)
		var g Gossip
		_ = json.Unmarshal(raw, &g)
		s.inbox = append(s.inbox, wire{from, Outgoing{o.Dest, g}})
		fmt.Fprintf(&b, "%s -> %s %s\n", from, o.Dest, describe(g))
	}
	return b.String()
}

func describe(g Gossip) string {
	var msgs []string
	for _, m := range g.Msgs {
		msgs = append(msgs, string(m))
	}
	return fmt.Sprintf("batch=%d msgs=[%s] acks=%v", g.Batch, strings.Join(msgs, " "), g.Acks)
}

func TestServer(t *testing.T) {
	datadriven.Walk(t, "testdata/server", func(t *testing.T, path string) {
		s := &script{}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "cluster": // cluster nodes=N [preset=3d|3e] [overlay=...] [interval=MS] [retry=MS]
				var n int
				d.ScanArgs(t, "nodes", &n)
				var args []string
				for _, a := range d.CmdArgs {
					switch a.Key {
					case "nodes":
					case "preset":
						args = append(args, a.Vals[0])
					case "interval", "retry":
						args = append(args, a.Key+"="+a.Vals[0]+"ms")
					default:
						args = append(args, a.Key+"="+a.Vals[0])
					}
				}
				cfg, err := ParseConfig(args)
				require.NoError(t, err)
				s.servers = map[string]*Server{}
				s.ids = nil
				for i := 0; i < n; i++ {
					s.ids = append(s.ids, fmt.Sprintf("n%d", i))
				}
				for _, id := range s.ids {
					s.servers[id] = NewServer(cfg)
					s.servers[id].Init(id, s.ids)
				}
				return ""
			case "topology": // input: one "node: neighbour ..." line per node
				topo := map[string][]string{}
				for _, line := range strings.Split(d.Input, "\n") {
					node, nbs, _ := strings.Cut(line, ":")
					topo[strings.TrimSpace(node)] = strings.Fields(nbs)
				}
				for _, srv := range s.servers {
					srv.SetTopology(topo)
				}
				return ""
			case "broadcast": // broadcast node msg=V [at=MS]
				var msg string
				d.ScanArgs(t, "msg", &msg)
				id := d.CmdArgs[0].Key
				return s.sent(id, s.servers[id].Broadcast(json.RawMessage(msg), at(t, d)))
			case "tick": // tick at=MS: every node ticks
				var b strings.Builder
				for _, id := range s.ids {
					b.WriteString(s.sent(id, s.servers[id].Tick(at(t, d))))
				}
				return b.String()
			case "deliver", "drop": // deliver|drop [to=NODE] [at=MS]
				var to string
				if d.HasArg("to") {
					d.ScanArgs(t, "to", &to)
				}
				var b strings.Builder
				pending := s.inbox
				s.inbox = nil
				for _, w := range pending {
					if to != "" && w.out.Dest != to {
						s.inbox = append(s.inbox, w)
						continue
					}
					fmt.Fprintf(&b, "%s -> %s %s\n", w.from, w.out.Dest, describe(w.out.Body))
					if d.Cmd == "deliver" {
						s.servers[w.out.Dest].Gossip(w.from, w.out.Body, at(t, d))
					}
				}
				return b.String()
			case "read": // every node's messages, sorted
				var b strings.Builder
				for _, id := range s.ids {
					var msgs []string
					for _, m := range s.servers[id].Read() {
						msgs = append(msgs, string(m))
					}
					slices.Sort(msgs)
					fmt.Fprintf(&b, "%s: %s\n", id, strings.Join(msgs, " "))
				}
				return b.String()
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, "topology", cfg.Overlay, "the challenge's topology by default")
	cfg, err = ParseConfig([]string{"3e"})
	require.NoError(t, err)
	assert.Equal(t, Presets["3e"], cfg)
	cfg, err = ParseConfig([]string{"profile=3d", "--interval=70ms", "overlay=star"})
	require.NoError(t, err)
	assert.Equal(t, Config{Interval: 70 * time.Millisecond, Retry: Presets["3d"].Retry, Overlay: "star"}, cfg)
	for _, bad := range [][]string{{"profile=9z"}, {"interval=soon"}, {"overlay=ring"}, {"colour=red"}, {"leader"}, {"interval=0s"}} {
		_, err := ParseConfig(bad)
		assert.Error(t, err, "%v", bad)
	}
}
