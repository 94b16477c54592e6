// Package harnesstest runs harness tests in-process from Go tests, with
// settings sized for a test suite: a few seconds, short recovery and init
// deadlines, and the store in a temporary directory.
package harnesstest

import (
	"context"
	"testing"
	"time"

	"glomers/harness/check"
	"glomers/harness/cli"
	"glomers/harness/history"
	"glomers/harness/netsim"
	"glomers/harness/registry"
	"glomers/harness/run"
	"glomers/harness/service"
)

// Config returns a test configuration for workload on bin: three nodes,
// one client per node, rate 50, two seconds, fixed seed.
func Config(workload, bin string) run.Config {
	cfg := run.Defaults()
	cfg.Workload = workload
	cfg.Bin = bin
	cfg.NodeIDs = cli.NodeIDs(3)
	cfg.Concurrency = 3
	cfg.Rate = 50
	cfg.TimeLimit = 2 * time.Second
	cfg.RecoveryTime = 500 * time.Millisecond
	cfg.InitTimeout = 3 * time.Second
	cfg.NemesisInterval = 500 * time.Millisecond
	cfg.Seed = 1
	return cfg
}

// Sized is Config with n nodes of perNode client threads each
// (WithNodes), rate requests per second, for limit.
func Sized(workload, bin string, nodes, perNode int, rate float64, limit time.Duration) run.Config {
	cfg := WithNodes(Config(workload, bin), nodes, perNode)
	cfg.Rate = rate
	cfg.TimeLimit = limit
	return cfg
}

// SkipShort skips a test that runs the harness under go test -short.
func SkipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the harness")
	}
}

// Run runs cfg (its store redirected to a temporary directory) and returns
// the outcome and the overall verdict. Setup errors are returned, not
// fatal, so tests can assert on them.
func Run(t testing.TB, cfg run.Config) (*run.Outcome, check.Validity, error) {
	t.Helper()
	cfg.Store = t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := run.Run(ctx, cfg, run.Env{
		Workloads: registry.Get,
		Services:  func(net *netsim.Network, seed uint64) run.Stopper { return service.Start(net, seed) },
	})
	if err != nil {
		return out, check.Unknown, err
	}
	return out, Verdict(out), nil
}

// MustRun is Run for tests that expect the run to start: a setup error
// fails the test at once. It also returns the workload result as the
// workload's own type (Result).
func MustRun[T check.Result](t testing.TB, cfg run.Config) (*run.Outcome, check.Validity, T) {
	t.Helper()
	out, v, err := Run(t, cfg)
	if err != nil {
		t.Fatalf("harness run: %v", err)
	}
	return out, v, Result[T](t, out)
}

// Verdict is the test's overall verdict, composed as `harness test`
// composes it.
func Verdict(out *run.Outcome) check.Validity { return run.Report(out, nil).Valid }

// Result returns the test's workload result as the workload's own type,
// failing the test if it is something else.
func Result[T check.Result](t testing.TB, out *run.Outcome) T {
	t.Helper()
	res, ok := out.Workload.(T)
	if !ok {
		t.Fatalf("workload result is %T", out.Workload)
	}
	return res
}

// WithPartitions turns on the partition nemesis with a short interval, so
// a test of a few seconds sees several cuts and heals.
func WithPartitions(cfg run.Config) run.Config {
	cfg.Nemesis = []string{"partition"}
	cfg.NemesisInterval = 300 * time.Millisecond
	return cfg
}

// WithNodes sets the cluster to n nodes with perNode client threads each
// (Maelstrom's --node-count n --concurrency perNode·n).
func WithNodes(cfg run.Config, n, perNode int) run.Config {
	cfg.NodeIDs = cli.NodeIDs(n)
	cfg.Concurrency = perNode * n
	return cfg
}

// WithNemesis turns on one named fault for a node test: "" none,
// "partition" WithPartitions, "kill" the kill nemesis every 400 ms (a few
// kills and restarts in a test of seconds). Any other name is passed to
// the harness as it is.
func WithNemesis(cfg run.Config, name string) run.Config {
	switch name {
	case "":
	case "partition":
		cfg = WithPartitions(cfg)
	case "kill":
		cfg.Nemesis = []string{"kill"}
		cfg.NemesisInterval = 400 * time.Millisecond
	default:
		cfg.Nemesis = []string{name}
	}
	return cfg
}

// ClientOps counts the client operations of type typ in the outcome's
// history (say, history.OK for the requests the cluster served).
func ClientOps(out *run.Outcome, typ history.Type) int {
	h, err := out.Ops()
	if err != nil {
		panic(err) // the store was written by this test
	}
	n := 0
	for _, o := range h {
		if o.IsClient() && o.Type == typ {
			n++
		}
	}
	return n
}
