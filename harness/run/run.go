package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"glomers/harness/check"
	"glomers/harness/client"
	"glomers/harness/history"
	"glomers/harness/netsim"
	"glomers/harness/process"
	"glomers/harness/report"
	"glomers/harness/workload"
	"glomers/internal/atomicfile"
)

// Outcome is everything a finished test produced, for the checkers and
// the report.
type Outcome struct {
	Config   Config
	StoreDir string
	// History holds the ops in memory, unless the workload's checker reads
	// them from the store (workload.SourceChecker): then it is nil.
	History history.History
	// Source is the history for the shared analyses: History, or the
	// store's history.jsonl.
	Source   history.Source
	Net      netsim.Stats
	Nodes    []process.Report
	Workload check.Result
	Started  time.Time
	Elapsed  time.Duration
	// Interrupted is set when the test was cut short (Ctrl-C).
	Interrupted bool
	// HarnessCPU is the CPU time the harness process itself used during
	// the test (user + system), nodes excluded.
	HarnessCPU time.Duration

	// fold is Env.Fold; shared holds the shared analyses when they were
	// folded in the workload checker's last pass (see Report).
	fold   func(o *history.Op, value []byte) error
	shared *report.SharedFold
}

// Ops returns the whole history: History, or the store's history.jsonl
// read back (for tests and tools; checkers fold Source instead).
func (o *Outcome) Ops() (history.History, error) {
	if o.History != nil || o.Source == nil {
		return o.History, nil
	}
	return history.Collect(o.Source)
}

// SetupError is a test that could not start: a node that would not spawn or
// answer init, or a workload that refused its options. The message names
// the node and what it printed.
type SetupError struct {
	Msg   string
	Nodes []process.Report
}

func (e *SetupError) Error() string { return e.Msg }

// Stopper is a running part of the test that Close stops.
type Stopper interface{ Close() }

// ServiceStarter starts Maelstrom's services on the network.
type ServiceStarter func(net *netsim.Network, seed uint64) Stopper

// Env holds what the runner needs from outside: the workload registry and
// the services.
type Env struct {
	Workloads func(name string) (workload.Factory, bool)
	Services  ServiceStarter
	// Log receives progress and lifecycle messages (nil: discard).
	Log io.Writer
	// Processes, if set, tracks the running node processes, so a signal
	// handler can kill them all (a second Ctrl-C).
	Processes *process.Group
	// NodesStopped, if set, is called once every node has been stopped,
	// before the history is written: a signal handler's grace period for
	// hung nodes can end there.
	NodesStopped func()
	// Fold, if set, is handed every op of the history once, in the pass
	// of the analyses every test shares (Report's, or the workload
	// checker's last when it can carry them: workload.PassSharer), with
	// the op's value as report.SharedFold.Add describes. harness test
	// folds its perf plots' data there.
	Fold func(o *history.Op, value []byte) error
}

// Run executes one test. ctx ending (Ctrl-C) cuts the test short but still
// stops every node and returns what was recorded, unchecked: the outcome is
// marked Interrupted and has no workload result.
//
// A run ends within a bounded time whatever the nodes do: the init
// timeout, the setup deadline, the time limit, opDrainLimit for operations
// still in flight, under the kill nemesis one more init timeout (the final
// start restarts every killed node at once), the recovery time and the
// final phase's limit, and then a few seconds to stop the nodes
// (process.Node.Stop never waits on one).
func Run(ctx context.Context, cfg Config, env Env) (*Outcome, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	factory, ok := env.Workloads(cfg.Workload)
	if !ok {
		return nil, fmt.Errorf("unknown workload %q", cfg.Workload)
	}
	logw := env.Log
	if logw == nil {
		logw = io.Discard
	}
	seeds := rand.New(rand.NewPCG(cfg.Seed, 0x736565))

	wl, err := factory(workload.Options{
		Nodes:             cfg.NodeIDs,
		Concurrency:       cfg.Concurrency,
		Rate:              cfg.Rate,
		TimeLimit:         cfg.TimeLimit,
		Latency:           cfg.Latency.Mean,
		KeyCount:          cfg.KeyCount,
		MaxTxnLength:      cfg.MaxTxnLength,
		MaxWritesPerKey:   cfg.MaxWritesPerKey,
		Topology:          cfg.Topology,
		ConsistencyModels: cfg.ConsistencyModels,
		Rand:              rand.New(rand.NewPCG(seeds.Uint64(), seeds.Uint64())),
		Args:              cfg.Args,
	})
	if err != nil {
		return nil, fmt.Errorf("workload %s: %w", cfg.Workload, err)
	}

	dir, err := makeStoreDir(cfg)
	if err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, "test.json"), cfg); err != nil {
		return nil, err
	}
	journal, err := os.Create(filepath.Join(dir, "net-journal.jsonl"))
	if err != nil {
		return nil, err
	}
	defer journal.Close()
	// The history is streamed to a .part file and renamed when complete, so
	// that history.jsonl is always whole (a second Ctrl-C leaves only the
	// .part, the history up to that moment).
	historyPath := filepath.Join(dir, "history.jsonl")
	historyFile, err := os.Create(historyPath + ".part")
	if err != nil {
		return nil, err
	}
	defer historyFile.Close()
	streamed, _ := wl.(workload.SourceChecker)

	start := time.Now()
	cpuStart := selfCPU()
	net := netsim.New(netsim.Config{
		Latency: cfg.Latency,
		Seed:    seeds.Uint64(),
		Journal: journal,
		Start:   start,
	})
	t := &test{
		cfg:   cfg,
		env:   env,
		log:   &syncWriter{w: logw},
		net:   net,
		wl:    wl,
		rec:   newRecorder(start, historyFile, streamed == nil),
		seeds: seeds,
		dir:   dir,
	}
	out := &Outcome{Config: cfg, StoreDir: dir, Started: start, fold: env.Fold}
	runErr := t.run(ctx)
	out.Nodes = t.stopNodes()
	if t.services != nil {
		t.services.Close()
	}
	net.Close()
	if env.NodesStopped != nil {
		env.NodesStopped()
	}
	out.Elapsed = time.Since(start)
	out.HarnessCPU = selfCPU() - cpuStart
	out.Net = net.Stats()
	out.History = t.rec.history()
	out.Source = out.History
	if streamed != nil {
		out.Source = history.WrittenFile(historyPath) // ours: not validated line by line
	}
	out.Interrupted = ctx.Err() != nil
	if err := closeHistory(t.rec, historyFile, historyPath); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		var se *SetupError
		if errors.As(runErr, &se) {
			se.Nodes = out.Nodes
		}
		return out, runErr
	}
	if out.Interrupted {
		return out, nil // the user asked to stop: no analysis
	}
	if streamed != nil {
		res, err := checkStreamed(streamed, out)
		if err != nil {
			return out, fmt.Errorf("checking %s: %w", historyPath, err)
		}
		out.Workload = res
	} else {
		out.Workload = wl.Check(out.History)
	}
	if v, ok := out.Workload.(workload.Visualizer); ok {
		if _, err := v.WriteVisualizations(dir); err != nil {
			fmt.Fprintf(logw, "warning: could not draw the checker's visualisations: %v\n", err)
		}
	}
	return out, nil
}

// checkStreamed runs a SourceChecker on the stored history, carrying the
// shared analyses (and Env.Fold) in its last pass when it can, so that
// Report need not read the history again.
func checkStreamed(c workload.SourceChecker, out *Outcome) (check.Result, error) {
	sharer, ok := c.(workload.PassSharer)
	if !ok {
		return c.CheckSource(out.Source)
	}
	var also []func(o *history.Op, value []byte) error
	if out.fold != nil {
		also = append(also, out.fold)
	}
	shared := report.NewSharedFold(also...)
	res, err := sharer.CheckSourceSharing(out.Source, shared.Add)
	if err == nil {
		out.shared = shared
	}
	return res, err
}

type test struct {
	cfg      Config
	env      Env
	log      io.Writer
	net      *netsim.Network
	wl       workload.Workload
	rec      *recorder
	seeds    *rand.Rand
	dir      string
	services Stopper

	// nodes[i] is the running process of NodeIDs[i] (nil while the kill
	// nemesis has it down); faults holds what the nemesis did to each.
	nodesMu sync.Mutex
	nodes   []*process.Node
	faults  map[string]*nodeFaults
}

func (t *test) run(ctx context.Context) error {
	if t.env.Services != nil {
		t.services = t.env.Services(t.net, t.seeds.Uint64())
	}
	if err := t.startNodes(); err != nil {
		return err
	}
	if err := t.initNodes(ctx); err != nil {
		return err
	}
	setupCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := t.wl.Setup(setupCtx, t.open)
	cancel()
	if err != nil {
		return &SetupError{Msg: fmt.Sprintf("workload setup failed: %v", err)}
	}
	stopProgress := t.progress()
	defer stopProgress()

	threads := t.newThreads()
	nemesisDone := t.startNemesis(ctx)
	t.mainPhase(ctx, threads)
	nemesisDone()
	if final := t.wl.Final(); final != nil && ctx.Err() == nil {
		fmt.Fprintf(t.log, "Waiting %v for recovery...\n", t.cfg.RecoveryTime)
		select {
		case <-time.After(t.cfg.RecoveryTime):
		case <-ctx.Done():
		}
		if ctx.Err() == nil {
			t.finalPhase(ctx, threads, final)
		}
	}
	for _, th := range threads {
		th.conn.Close()
	}
	return nil
}

func (t *test) open() workload.Conn { return client.Open(t.net) }

func (t *test) startNodes() error {
	for _, dir := range []string{"node-logs", "data"} {
		if err := os.MkdirAll(filepath.Join(t.dir, dir), 0o755); err != nil {
			return err
		}
	}
	t.faults = map[string]*nodeFaults{}
	for _, id := range t.cfg.NodeIDs {
		n, err := t.startNode(id, false)
		if err != nil {
			return &SetupError{Msg: fmt.Sprintf("could not start node %s: %v", id, err)}
		}
		t.nodesMu.Lock()
		t.nodes = append(t.nodes, n)
		t.faults[id] = &nodeFaults{}
		t.nodesMu.Unlock()
	}
	return nil
}

// startNode spawns id's process; a restart appends to its log. Every
// process of a node id gets the same data directory (see DataDirEnv).
func (t *test) startNode(id string, restart bool) (*process.Node, error) {
	dataDir, err := filepath.Abs(filepath.Join(t.dir, "data", id))
	if err == nil {
		err = os.MkdirAll(dataDir, 0o755)
	}
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	var echo io.Writer
	if t.cfg.LogStderr {
		echo = t.log
	}
	return process.Start(process.Options{
		ID:           id,
		Bin:          t.cfg.Bin,
		Args:         t.cfg.Args,
		StderrPath:   filepath.Join(t.dir, "node-logs", id+".log"),
		AppendStderr: restart,
		Env:          []string{DataDirEnv + "=" + dataDir},
		EchoStderr:   echo,
		Net:          t.net,
		Group:        t.env.Processes,
	})
}

func (t *test) stopNodes() []process.Report {
	t.nodesMu.Lock()
	nodes := t.nodes
	t.nodes = nil
	t.nodesMu.Unlock()
	for _, n := range nodes {
		if n != nil { // nil: killed by the nemesis and not restarted
			n.Detach()
		}
	}
	reports := make([]process.Report, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := t.cfg.NodeIDs[i]
			if n == nil { // killed by the nemesis and not restarted
				reports[i] = t.faults[id].downReport(id)
				return
			}
			reports[i] = t.faults[id].merge(n.Stop())
		}()
	}
	wg.Wait()
	return reports
}

type initBody struct {
	Type    string   `json:"type"`
	NodeID  string   `json:"node_id"`
	NodeIDs []string `json:"node_ids"`
}

// initNodes sends init to every node at once, through a client each, as
// Maelstrom's db setup! does, and waits for every init_ok. Unlike
// Maelstrom, it stops waiting for a node as soon as the node's process
// exits or it writes back a message as someone else (as `cat` does), and
// says so, instead of waiting out the init timeout.
func (t *test) initNodes(ctx context.Context) error {
	t.nodesMu.Lock()
	nodes := append([]*process.Node(nil), t.nodes...)
	t.nodesMu.Unlock()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, node := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = t.initNode(ctx, node, false)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return &SetupError{Msg: err.Error()}
	}
	return nil
}

// initNode sends the node its init message and waits for init_ok, giving
// up at once if the node exits or misbehaves first. A restarted node is
// booting until then: the network lets only the init client reach it (see
// netsim.SetBooting), and marks it up when initNode returns, unless ctx
// cut the wait short (the final start sends init again).
func (t *test) initNode(ctx context.Context, node *process.Node, restart bool) error {
	id := node.ID()
	nodeCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	gaveUp := make(chan error, 1)
	go func() {
		select {
		case <-node.Exited():
			rep := node.Report()
			msg := fmt.Sprintf("node %s exited before it answered init (%s)", id, rep.ExitStatus)
			if n := len(rep.StderrTail); n > 0 {
				msg += "; the last line of its stderr: " + rep.StderrTail[n-1]
			} else {
				msg += "; it wrote nothing on stderr"
			}
			gaveUp <- errors.New(msg)
		case <-node.Misbehaved():
			rep := node.Report()
			gaveUp <- fmt.Errorf("node %s did not answer init: %s", id, process.WrongSrcSentence(id, rep.WrongSrcCount, rep.WrongSrcSample))
		case <-nodeCtx.Done():
			return
		}
		cancel()
	}()
	conn := client.Open(t.net).WithTimeout(t.cfg.InitTimeout)
	defer conn.Close()
	if restart {
		t.net.SetBooting(id, conn.ID())
		defer func() {
			if ctx.Err() == nil { // else it stays booting until init is sent again
				t.net.SetDown(id, false)
			}
		}()
	}
	reply, err := conn.RPC(nodeCtx, id, initBody{Type: "init", NodeID: id, NodeIDs: t.cfg.NodeIDs})
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("interrupted while waiting for %s to answer init", id)
	case err != nil && nodeCtx.Err() != nil:
		return <-gaveUp
	}
	switch {
	case errors.Is(err, workload.ErrTimeout):
		return fmt.Errorf("expected node %s to respond to an init message within %v, but it did not respond", id, t.cfg.InitTimeout)
	case err != nil:
		return fmt.Errorf("node %s answered init with an error: %v", id, err)
	}
	var h struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(reply, &h) != nil || h.Type != "init_ok" {
		return fmt.Errorf("expected an init_ok message from %s, but it responded with %s", id, reply)
	}
	return nil
}

func makeStoreDir(cfg Config) (string, error) {
	base := filepath.Join(cfg.Store, cfg.Workload)
	stamp := time.Now().Format("20060102T150405.000")
	dir := filepath.Join(base, stamp)
	for i := 1; ; i++ {
		err := os.MkdirAll(base, 0o755)
		if err == nil {
			err = os.Mkdir(dir, 0o755)
		}
		if err == nil {
			break
		}
		if !os.IsExist(err) {
			return "", fmt.Errorf("store directory: %w", err)
		}
		dir = filepath.Join(base, fmt.Sprintf("%s-%d", stamp, i))
	}
	// latest links, as Jepsen's store keeps them; failures are harmless.
	for _, link := range []string{filepath.Join(base, "latest"), filepath.Join(cfg.Store, "latest")} {
		target, err := filepath.Rel(filepath.Dir(link), dir)
		if err != nil {
			continue
		}
		os.Remove(link)
		os.Symlink(target, link)
	}
	return dir, nil
}

// selfCPU is this process's CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// closeHistory flushes the recorder's stream and renames the finished
// file to path.
func closeHistory(rec *recorder, f *os.File, path string) error {
	err := rec.flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	return err
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}
