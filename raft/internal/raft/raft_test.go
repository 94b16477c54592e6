package raft

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestScenarios drives in-memory clusters through the scenarios in
// testdata/*.txt, in the manner of etcd raft's interaction tests. Commands:
//
//	cluster nodes=3 [commit-without-quorum]   new cluster n1..n3
//	campaign n1                               n1 campaigns at once, skipping pre-vote
//	tick n1 [count=N]                         N ticks (default 1)
//	propose n1 DATA                           propose a JSON string
//	read n1 ID                                ask for a read index
//	stabilize                                 Ready, persist, deliver, until quiet
//	deliver                                   Ready, persist, deliver once
//	isolate n1 / heal                         cut n1 off / undo
//	crash n1 / restart n1 [forget-vote]       stop n1 / restore it from what it persisted
//	status                                    every node's role, term, vote, commit, log
//
// Messages to a cut-off or crashed node are dropped, as the network drops
// them. Run with -rewrite to regenerate the expected output.
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var c *cluster
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd == "cluster" {
				n := 3
				d.MaybeScanArgs(t, "nodes", &n)
				c = newCluster(n, d.HasArg("commit-without-quorum"))
				return c.status()
			}
			if c == nil {
				d.Fatalf(t, "no cluster yet")
			}
			return c.run(t, d)
		})
	})
}

type stored struct {
	hs  HardState
	log []Entry
}

type cluster struct {
	ids      []string
	nodes    map[string]*Raft
	disk     map[string]*stored
	cfg      map[string]Config
	isolated map[string]bool
	queue    []Message
	out      strings.Builder
}

func newCluster(n int, bug bool) *cluster {
	c := &cluster{nodes: map[string]*Raft{}, disk: map[string]*stored{}, cfg: map[string]Config{}, isolated: map[string]bool{}}
	for i := 1; i <= n; i++ {
		c.ids = append(c.ids, fmt.Sprintf("n%d", i))
	}
	for i, id := range c.ids {
		c.cfg[id] = Config{ID: id, Peers: c.ids, ElectionTicks: 10, HeartbeatTicks: 3,
			Rand: rand.New(rand.NewPCG(uint64(i), 7)), CheckQuorum: true, CommitWithoutQuorum: bug}
		c.disk[id] = &stored{}
		c.nodes[id] = New(c.cfg[id], HardState{}, nil)
	}
	return c
}

func (c *cluster) node(t *testing.T, d *datadriven.TestData, i int) *Raft {
	if len(d.CmdArgs) <= i {
		d.Fatalf(t, "%s: missing node argument", d.Cmd)
	}
	id := d.CmdArgs[i].Key
	r, ok := c.nodes[id]
	if !ok || r == nil {
		d.Fatalf(t, "%s: no running node %s", d.Cmd, id)
	}
	return r
}

func (c *cluster) run(t *testing.T, d *datadriven.TestData) string {
	c.out.Reset()
	switch d.Cmd {
	case "campaign":
		c.node(t, d, 0).campaign()
	case "tick":
		n := 1
		d.MaybeScanArgs(t, "count", &n)
		r := c.node(t, d, 0)
		for range n {
			r.Tick()
		}
	case "propose":
		r := c.node(t, d, 0)
		data, _ := json.Marshal(d.CmdArgs[1].Key)
		if i, term, ok := r.Propose(data); ok {
			fmt.Fprintf(&c.out, "proposed at %d/%d\n", i, term)
		} else {
			fmt.Fprintf(&c.out, "refused: %s is a %s\n", r.ID(), r.State())
		}
	case "read":
		r := c.node(t, d, 0)
		var id uint64
		fmt.Sscan(d.CmdArgs[1].Key, &id)
		if !r.ReadIndex(id) {
			fmt.Fprintf(&c.out, "refused: %s is a %s\n", r.ID(), r.State())
		}
	case "stabilize":
		c.stabilize()
	case "deliver":
		c.collect()
		c.deliver()
	case "isolate":
		c.isolated[c.node(t, d, 0).ID()] = true
	case "heal":
		c.isolated = map[string]bool{}
	case "crash":
		c.nodes[c.node(t, d, 0).ID()] = nil
	case "restart":
		id := d.CmdArgs[0].Key
		if c.nodes[id] != nil {
			d.Fatalf(t, "%s is running", id)
		}
		hs := c.disk[id].hs
		if d.HasArg("forget-vote") {
			hs.Vote = ""
		}
		c.nodes[id] = New(c.cfg[id], hs, slices.Clone(c.disk[id].log))
	case "status":
		return c.status()
	default:
		d.Fatalf(t, "unknown command %s", d.Cmd)
	}
	c.collect() // what the command produced, without delivering it
	return c.out.String()
}

// collect takes every node's Ready: persists, queues messages, prints.
func (c *cluster) collect() bool {
	any := false
	for _, id := range c.ids {
		r := c.nodes[id]
		if r == nil {
			continue
		}
		rd := r.Ready()
		disk := c.disk[id]
		if rd.HardState != nil {
			disk.hs = *rd.HardState
		}
		if len(rd.Entries) > 0 {
			disk.log = append(disk.log[:rd.Entries[0].Index-1], rd.Entries...)
		}
		for _, e := range rd.Committed {
			fmt.Fprintf(&c.out, "%s applies %s\n", id, entryString(e))
		}
		for _, rs := range rd.ReadStates {
			if rs.Lost {
				fmt.Fprintf(&c.out, "%s read %d lost: no longer leader\n", id, rs.ID)
			} else {
				fmt.Fprintf(&c.out, "%s read %d at index %d\n", id, rs.ID, rs.Index)
			}
		}
		for _, m := range rd.Messages {
			c.queue = append(c.queue, m)
			any = true
		}
	}
	return any
}

func (c *cluster) stabilize() {
	for c.collect() || len(c.queue) > 0 {
		c.deliver()
	}
}

// deliver delivers the queued messages, not those they cause.
func (c *cluster) deliver() {
	q := c.queue
	c.queue = nil
	for _, m := range q {
		to := c.nodes[m.To]
		if to == nil || c.isolated[m.To] || c.isolated[m.From] {
			fmt.Fprintf(&c.out, "%s dropped\n", msgString(m))
			continue
		}
		fmt.Fprintf(&c.out, "%s\n", msgString(m))
		to.Step(m)
	}
}

func entryString(e Entry) string {
	if e.Data == nil {
		return fmt.Sprintf("%d/%d", e.Index, e.Term)
	}
	return fmt.Sprintf("%d/%d %s", e.Index, e.Term, e.Data)
}

func msgString(m Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s->%s %s term=%d", m.From, m.To, m.Type, m.Term)
	switch m.Type {
	case MsgVote:
		fmt.Fprintf(&b, " last=%d/%d", m.Index, m.LogTerm)
	case MsgAppend:
		fmt.Fprintf(&b, " prev=%d/%d commit=%d", m.Index, m.LogTerm, m.Commit)
		if len(m.Entries) > 0 {
			es := make([]string, len(m.Entries))
			for i, e := range m.Entries {
				es[i] = entryString(e)
			}
			fmt.Fprintf(&b, " entries=[%s]", strings.Join(es, ", "))
		}
	case MsgAppendResp:
		fmt.Fprintf(&b, " index=%d", m.Index)
		if m.Reject {
			fmt.Fprintf(&b, " hint=%d", m.Hint)
		}
	}
	if m.ReadSeq > 0 {
		fmt.Fprintf(&b, " read_seq=%d", m.ReadSeq)
	}
	if m.Reject {
		b.WriteString(" REJECT")
	}
	return b.String()
}

func (c *cluster) status() string {
	var b strings.Builder
	for _, id := range c.ids {
		r := c.nodes[id]
		if r == nil {
			fmt.Fprintf(&b, "%s: down\n", id)
			continue
		}
		es := make([]string, 0, len(r.Log()))
		for _, e := range r.Log() {
			es = append(es, entryString(e))
		}
		fmt.Fprintf(&b, "%s: %s term=%d vote=%q lead=%q commit=%d log=[%s]\n",
			id, r.State(), r.Term(), r.vote, r.Lead(), r.Commit(), strings.Join(es, ", "))
	}
	return b.String()
}
