package run

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"glomers/harness/history"
	"glomers/harness/nemesis"
	"glomers/harness/process"
)

// DataDirEnv names the environment variable that gives every node process
// its data directory: <store>/<workload>/<time>/data/<node id>, an
// absolute path, created before the node starts. A node restarted by the
// kill nemesis gets the same directory, so what it wrote (and synced)
// there before it was killed is there again when it is sent init.
const DataDirEnv = "GLOMERS_DATA_DIR"

// Faults are the nemeses --nemesis accepts, by Jepsen's names.
var Faults = []string{"partition", "pause", "kill"}

// The nemesis follows Jepsen's combined nemesis (jepsen/nemesis/
// combined.clj), as Maelstrom uses its partition package:
//
//   - Each package has its own schedule, staggered at --nemesis-interval
//     (gen/stagger: gaps uniform in [0, 2*interval)), and the packages
//     run side by side (compose-packages joins them with gen/any).
//   - partition alternates start-partition (a random partition spec) and
//     stop-partition.
//   - pause and kill form the db package: each step picks one of the
//     enabled flip-flops at random (gen/mix), pause/resume or kill/start,
//     and takes its next step. pause and kill draw their targets from
//     Jepsen's node specs (nemesis.NodeSpecs); resume and start act on
//     :all.
//   - After the main phase the final generators run in Jepsen's order:
//     stop-partition, then resume all, then start all.
//
// Every action is recorded as Jepsen records nemesis operations: twice,
// both of type info and process nemesis, first with the request as value
// (a spec such as "majority", null for a random subset, or "all") and
// then with the result: the grudge for a partition, and a map from each
// target node to what happened to it for pause, resume, kill and start.

// nodeFaults is what the nemesis has done to one node id; guarded by
// test.nodesMu.
type nodeFaults struct {
	paused, down bool
	restarts     int
	// past holds the reports of processes the kill nemesis ended.
	past []process.Report
	// restartErr is why the last restart failed, if it did.
	restartErr error
	// uninit: restarted, but the end of the main phase cut its init
	// short; the final start sends init again.
	uninit bool
}

// merge folds the earlier processes of a node into the report of its last
// one: garbage, drops and problems add up and restarts are counted. Only a
// process that ended on its own makes the node Exited.
func (f *nodeFaults) merge(last process.Report) process.Report {
	for _, p := range f.past {
		last.GarbageCount += p.GarbageCount
		for _, s := range p.GarbageSample {
			if len(last.GarbageSample) < 5 {
				last.GarbageSample = append(last.GarbageSample, s)
			}
		}
		if p.Exited && !last.Exited {
			last.Exited, last.ExitStatus, last.ExitedAt, last.StderrTail = true, p.ExitStatus, p.ExitedAt, p.StderrTail
		}
		last.InputDropped += p.InputDropped
		last.WrongSrcCount += p.WrongSrcCount
		if last.WrongSrcSample == "" {
			last.WrongSrcSample = p.WrongSrcSample
		}
		if last.StoppedReadingAt == nil {
			last.StoppedReadingAt = p.StoppedReadingAt
		}
		if last.StdoutClosedAt == nil {
			last.StdoutClosedAt = p.StdoutClosedAt
		}
		for _, pr := range p.Problems {
			if !slices.Contains(last.Problems, pr) {
				last.Problems = append(last.Problems, pr)
			}
		}
	}
	last.Restarts = f.restarts
	return last
}

// downReport is the report of a node left down at the end: only a failed
// restart counts against it (an interrupted test skips restarts).
func (f *nodeFaults) downReport(id string) process.Report {
	last := process.Report{Node: id}
	if n := len(f.past); n > 0 {
		last = f.past[n-1]
		f.past = f.past[:n-1]
	}
	r := f.merge(last)
	if f.restartErr != nil && !r.Exited {
		r.Exited = true
		r.ExitStatus = fmt.Sprintf("killed by the nemesis, then could not be restarted: %v", f.restartErr)
		r.Problems = append(r.Problems, fmt.Sprintf("Node %s was killed by the nemesis and could not be restarted: %v.", id, f.restartErr))
	}
	return r
}

// startNemesis runs the nemesis schedules until the returned function is
// called; that function stops them, runs the final generators (heal,
// resume, restart) and returns once they are done.
func (t *test) startNemesis(ctx context.Context) func() {
	var loops []func(stop <-chan struct{})
	if t.cfg.HasNemesis("partition") {
		rng := rand.New(rand.NewPCG(t.seeds.Uint64(), 11))
		loops = append(loops, func(stop <-chan struct{}) { t.partitionLoop(ctx, stop, rng) })
	}
	pause, kill := t.cfg.HasNemesis("pause"), t.cfg.HasNemesis("kill")
	if pause || kill {
		rng := rand.New(rand.NewPCG(t.seeds.Uint64(), 13))
		loops = append(loops, func(stop <-chan struct{}) { t.dbLoop(ctx, stop, rng, pause, kill) })
	}
	if len(t.cfg.NemesisSchedule) > 0 {
		// The random loops' seeds are drawn all the same, so that the
		// clients' generators see the same seeds either way.
		loops = []func(stop <-chan struct{}){func(stop <-chan struct{}) { t.scheduleLoop(ctx, stop) }}
	}
	if len(loops) == 0 {
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{}, len(loops))
	for _, loop := range loops {
		go func() {
			defer func() { done <- struct{}{} }()
			loop(stop)
		}()
	}
	return func() {
		close(stop)
		for range loops {
			<-done
		}
		if t.cfg.HasNemesis("partition") {
			t.heal()
		}
		if pause {
			t.nemesisOp("resume", "all", t.resumeNode)
		}
		if kill {
			t.nemesisOp("start", "all", func(id string) string { return t.restartNode(ctx, id) })
		}
	}
}

// stagger waits a gap drawn as gen/stagger draws it; false if stopped.
func (t *test) stagger(ctx context.Context, stop <-chan struct{}, rng *rand.Rand) bool {
	wait := time.Duration(rng.Float64() * 2 * float64(t.cfg.NemesisInterval))
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

func (t *test) partitionLoop(ctx context.Context, stop <-chan struct{}, rng *rand.Rand) {
	partitioned := false
	for t.stagger(ctx, stop, rng) {
		if partitioned {
			t.heal()
		} else {
			spec := nemesis.Specs[rng.IntN(len(nemesis.Specs))]
			t.rec.add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: "start-partition", Value: spec})
			grudge := nemesis.Make(spec, t.cfg.NodeIDs, rng)
			t.net.Partition(grudge)
			t.rec.add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: "start-partition", Value: history.Normalize(map[string][]string(grudge))})
			fmt.Fprintf(t.log, "Partition %s: %v\n", spec, grudge)
		}
		partitioned = !partitioned
	}
}

func (t *test) heal() {
	t.rec.add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: "stop-partition"})
	t.net.Heal()
	t.rec.add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: "stop-partition", Value: "network-healed"})
}

// flipFlop is one of the db package's generators: it alternates a fault
// on targets drawn from a node spec with its cure on all nodes.
type flipFlop struct {
	fault, cure string
	act, undo   func(id string) string
	on          bool
}

func (t *test) dbLoop(ctx context.Context, stop <-chan struct{}, rng *rand.Rand, pause, kill bool) {
	var modes []*flipFlop
	if pause {
		modes = append(modes, &flipFlop{fault: "pause", cure: "resume", act: t.pauseNode, undo: t.resumeNode})
	}
	if kill {
		restartCtx, cancel := untilStop(ctx, stop)
		defer cancel()
		modes = append(modes, &flipFlop{fault: "kill", cure: "start", act: t.killNode,
			undo: func(id string) string { return t.restartNode(restartCtx, id) }})
	}
	for t.stagger(ctx, stop, rng) {
		m := modes[rng.IntN(len(modes))]
		if m.on {
			t.nemesisOp(m.cure, "all", m.undo)
		} else {
			spec := nemesis.NodeSpecs[rng.IntN(len(nemesis.NodeSpecs))]
			targets := nemesis.Targets(spec, t.cfg.NodeIDs, rng)
			var request any = spec
			if spec == "" {
				request = nil // Jepsen's nil node spec: a random non-empty subset
			}
			t.nemesisOpOn(m.fault, request, targets, m.act)
		}
		m.on = !m.on
	}
}

// untilStop is ctx, ended also by stop. A restart's init wait runs under
// it, so the main phase ends on time; the final start then sends init
// again.
func untilStop(ctx context.Context, stop <-chan struct{}) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-stop:
			cancel()
		case <-c.Done():
		}
	}()
	return c, cancel
}

// NemesisStep is one step of a hand-written nemesis schedule
// (Config.NemesisSchedule). F is start-partition (cutting Grudge: each
// node to the nodes it no longer hears from), stop-partition, pause or
// kill (of Nodes), resume or start (of every node).
type NemesisStep struct {
	At     time.Duration
	F      string
	Nodes  []string
	Grudge map[string][]string
}

func (st NemesisStep) validate(c Config) error {
	fault := map[string]string{"start-partition": "partition", "stop-partition": "partition",
		"pause": "pause", "resume": "pause", "kill": "kill", "start": "kill"}[st.F]
	switch {
	case fault == "":
		return fmt.Errorf("nemesis schedule: unknown step %q", st.F)
	case !c.HasNemesis(fault):
		return fmt.Errorf("nemesis schedule: %s needs the %s nemesis", st.F, fault)
	}
	for _, id := range st.Nodes {
		if !slices.Contains(c.NodeIDs, id) {
			return fmt.Errorf("nemesis schedule: %s of unknown node %q", st.F, id)
		}
	}
	return nil
}

// scheduleLoop runs Config.NemesisSchedule, each step at its time, and
// records each as the random loops record theirs; the request of a
// partition is its grudge, and of a pause or kill its list of nodes (a
// node spec may be a collection of nodes in Jepsen).
func (t *test) scheduleLoop(ctx context.Context, stop <-chan struct{}) {
	restartCtx, cancel := untilStop(ctx, stop)
	defer cancel()
	start := time.Now()
	for _, st := range t.cfg.NemesisSchedule {
		timer := time.NewTimer(time.Until(start.Add(st.At)))
		select {
		case <-stop:
			timer.Stop()
			return
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		switch st.F {
		case "start-partition":
			grudge := history.Normalize(st.Grudge)
			t.rec.add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: st.F, Value: grudge})
			t.net.Partition(st.Grudge)
			t.rec.add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: st.F, Value: grudge})
			fmt.Fprintf(t.log, "Partition (scheduled): %v\n", st.Grudge)
		case "stop-partition":
			t.heal()
		case "pause":
			t.nemesisOpOn(st.F, history.Normalize(st.Nodes), st.Nodes, t.pauseNode)
		case "resume":
			t.nemesisOp(st.F, "all", t.resumeNode)
		case "kill":
			t.nemesisOpOn(st.F, history.Normalize(st.Nodes), st.Nodes, t.killNode)
		case "start":
			t.nemesisOp(st.F, "all", func(id string) string { return t.restartNode(restartCtx, id) })
		}
	}
}

// nemesisOp applies act to every node (spec "all").
func (t *test) nemesisOp(f, spec string, act func(id string) string) {
	t.nemesisOpOn(f, spec, t.cfg.NodeIDs, act)
}

// nemesisOpOn records f's request, applies act to every target at once
// (as Jepsen's db nemesis does, through control/on-nodes), and records the
// per-node results once all are done: restarting many nodes takes one
// init wait, not one per node.
func (t *test) nemesisOpOn(f string, request any, targets []string, act func(id string) string) {
	t.rec.add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: f, Value: request})
	each := make([]string, len(targets))
	var wg sync.WaitGroup
	for i, id := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			each[i] = act(id)
		}()
	}
	wg.Wait()
	results := map[string]any{}
	for i, id := range targets {
		results[id] = each[i]
	}
	t.rec.add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: f, Value: results})
	ids := make([]string, 0, len(results))
	for id := range results {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	line := "Nemesis " + f + ":"
	for _, id := range ids {
		line += fmt.Sprintf(" %s %v", id, results[id])
	}
	fmt.Fprintln(t.log, line)
}

// node returns id's running process and its fault record; n is nil while
// the node is down. t.nodesMu must be held.
func (t *test) node(id string) (n *process.Node, f *nodeFaults, i int) {
	for i, x := range t.cfg.NodeIDs {
		if x == id && i < len(t.nodes) {
			return t.nodes[i], t.faults[id], i
		}
	}
	return nil, &nodeFaults{}, -1
}

func (t *test) pauseNode(id string) string {
	t.nodesMu.Lock()
	defer t.nodesMu.Unlock()
	n, f, _ := t.node(id)
	switch {
	case n == nil:
		return "down"
	case f.paused:
		return "already-paused"
	}
	if err := n.Pause(); err != nil {
		return err.Error()
	}
	f.paused = true
	return "paused"
}

func (t *test) resumeNode(id string) string {
	t.nodesMu.Lock()
	defer t.nodesMu.Unlock()
	n, f, _ := t.node(id)
	switch {
	case n == nil:
		return "down"
	case !f.paused:
		return "not-paused"
	}
	f.paused = false
	if err := n.Resume(); err != nil {
		return err.Error()
	}
	return "resumed"
}

// killNode SIGKILLs id's process. From then until its restart the
// network drops every message for it.
func (t *test) killNode(id string) string {
	t.nodesMu.Lock()
	n, f, i := t.node(id)
	if n == nil {
		t.nodesMu.Unlock()
		return "down"
	}
	t.nodes[i] = nil
	f.down, f.paused, f.uninit = true, false, false
	t.nodesMu.Unlock()
	t.net.SetDown(id, true)
	rep := n.Crash()
	t.nodesMu.Lock()
	f.past = append(f.past, rep)
	t.nodesMu.Unlock()
	return "killed"
}

// restartNode starts a killed node again under its id and sends it init,
// as Maelstrom's setup does for a new node; until init_ok only init
// reaches it. A node that was not killed is left alone, unless ctx cut
// its last init short: then it is sent init again. Restarts are skipped
// once ctx has ended.
func (t *test) restartNode(ctx context.Context, id string) string {
	t.nodesMu.Lock()
	n, f, i := t.node(id)
	down, uninit := f.down, f.uninit
	t.nodesMu.Unlock()
	if i < 0 || (!down && !uninit) {
		return "running"
	}
	if ctx.Err() != nil {
		return "interrupted"
	}
	if down {
		var err error
		n, err = t.startNode(id, true)
		t.nodesMu.Lock()
		f.restartErr = err
		if err == nil {
			t.nodes[i] = n
			f.down = false
			f.restarts++
		}
		t.nodesMu.Unlock()
		if err != nil {
			return fmt.Sprintf("could not start: %v", err)
		}
	}
	err := t.initNode(ctx, n, true)
	t.nodesMu.Lock()
	f.uninit = err != nil && ctx.Err() != nil
	t.nodesMu.Unlock()
	if err != nil {
		return fmt.Sprintf("started, but init failed: %v", err)
	}
	return "started"
}
