// Package testflags turns `harness test` command lines into a run.Config,
// with Maelstrom's flag names, meanings and defaults (src/maelstrom/core.clj
// opt-spec and Jepsen's cli.clj). As with Maelstrom's tools.cli, options
// and plain arguments may be interleaved; plain arguments are passed to
// every node binary (core.clj add-args), and "--" ends the options. The
// value parsers it shares with `harness check` are in package cli.
package testflags

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"glomers/harness/cli"
	"glomers/harness/netsim"
	"glomers/harness/run"
)

// ErrHelp is returned when -h or --help was asked for; usage was printed.
var ErrHelp = flag.ErrHelp

// UsageError is a bad command line; the CLI prints it with the usage and
// exits 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// seconds parses Maelstrom's second counts, which may be fractional.
type seconds struct{ d *time.Duration }

func (s seconds) String() string {
	if s.d == nil {
		return ""
	}
	return strconv.FormatFloat(s.d.Seconds(), 'f', -1, 64)
}

func (s seconds) Set(v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Errorf("expected a number of seconds, got %q", v)
	}
	*s.d = time.Duration(f * float64(time.Second))
	return nil
}

// testFlags holds the raw values that need post-processing.
type testFlags struct {
	fs          *flag.FlagSet
	cfg         run.Config
	nodeCount   int
	concurrency string
	latencyMS   int64
	nemesis     string
	models      string
	seed        string
}

func newTestFlags(out io.Writer) *testFlags {
	t := &testFlags{cfg: run.Defaults(), concurrency: "1n"}
	fs := flag.NewFlagSet("harness test", flag.ContinueOnError)
	fs.SetOutput(out)
	c := &t.cfg
	fs.StringVar(&c.Bin, "bin", "", "Path to binary which runs a node (required)")
	fs.StringVar(&c.Workload, "workload", c.Workload, "What workload to run")
	fs.StringVar(&c.Workload, "w", c.Workload, "Short for --workload")
	fs.IntVar(&t.nodeCount, "node-count", 0, "How many nodes to run (n0, n1, ...); default: Jepsen's n1..n5")
	fs.StringVar(&t.concurrency, "concurrency", t.concurrency, "How many client threads: an integer, or a multiple of the node count such as 2n")
	fs.Float64Var(&c.Rate, "rate", c.Rate, "Approximate number of requests per second, over all clients")
	fs.Var(seconds{&c.TimeLimit}, "time-limit", "How long to run the main phase, in seconds ")
	fs.Int64Var(&t.latencyMS, "latency", 0, "Mean network latency under normal operation, in ms")
	fs.StringVar(&c.Latency.Dist, "latency-dist", netsim.DistConstant, "Kind of latency distribution: constant, uniform or exponential")
	fs.StringVar(&t.nemesis, "nemesis", "", "Comma-separated faults to inject, any of: partition (cut the network), pause (SIGSTOP nodes, later SIGCONT; their messages queue), kill (SIGKILL nodes, then restart them under the same id and send init again; messages to a dead node are lost). Every node process finds a directory that survives its restarts in $GLOMERS_DATA_DIR")
	fs.Var(seconds{&c.NemesisInterval}, "nemesis-interval", "Mean seconds between nemesis operations; each fault kind (partition; pause and kill) keeps its own schedule ")
	fs.StringVar(&c.Availability, "availability", "", "Fraction of client requests that must succeed: a number from 0 to 1, or total; default: no check")
	fs.BoolVar(&c.LogStderr, "log-stderr", false, "Show nodes' stderr on the console")
	fs.BoolVar(&c.LogNetSend, "log-net-send", false, "Accepted for compatibility; every send is in net-journal.jsonl")
	fs.BoolVar(&c.LogNetRecv, "log-net-recv", false, "Accepted for compatibility; every receive is in net-journal.jsonl")
	fs.StringVar(&c.Topology, "topology", c.Topology, "Topology offered to nodes (broadcast): grid, line, total, tree, tree2, tree3, tree4")
	fs.StringVar(&t.models, "consistency-models", "strict-serializable", "Comma-separated consistency models to check (txn workloads)")
	fs.IntVar(&c.KeyCount, "key-count", 0, "How many keys to work with at once (txn, kafka)")
	fs.IntVar(&c.MaxTxnLength, "max-txn-length", c.MaxTxnLength, "Most micro-operations per transaction")
	fs.IntVar(&c.MaxWritesPerKey, "max-writes-per-key", c.MaxWritesPerKey, "Most writes to any one key (txn, kafka)")
	fs.StringVar(&t.seed, "seed", "", "Seed for the generator, latencies and nemesis schedule (default: random, printed)")
	fs.StringVar(&c.Store, "store", c.Store, "Directory that receives store/<workload>/<time>/")
	fs.Var(seconds{&c.RecoveryTime}, "recovery-time", "Seconds between healing the network and the final phase (Maelstrom: 10)")
	fs.Var(seconds{&c.InitTimeout}, "init-timeout", "Seconds to wait for every node's init_ok (Maelstrom: 10)")
	fs.Usage = func() { printUsage(fs) }
	t.fs = fs
	return t
}

// printUsage lists the options with Maelstrom's double dashes.
func printUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintln(w, "usage: harness test -w WORKLOAD --bin BIN [options] [args passed to the node binary]")
	fmt.Fprintln(w, "options:")
	fs.VisitAll(func(f *flag.Flag) {
		name, help := flag.UnquoteUsage(f)
		dashes := "--"
		if len(f.Name) == 1 {
			dashes = "-"
		}
		fmt.Fprintf(w, "  %s%s %s\n      %s", dashes, f.Name, name, help)
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// boolFlags are the options that take no value.
var boolFlags = map[string]bool{"log-stderr": true, "log-net-send": true, "log-net-recv": true, "h": true, "help": true}

// Parse parses `harness test` arguments. Usage goes to out on errors
// and on --help.
func Parse(args []string, out io.Writer, randomSeed func() uint64) (run.Config, error) {
	t := newTestFlags(out)
	flags, positional, err := permute(args, t.fs)
	if err != nil {
		fmt.Fprintln(out, "harness test:", err)
		t.fs.Usage()
		return run.Config{}, &UsageError{err}
	}
	if err := t.fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return run.Config{}, ErrHelp
		}
		return run.Config{}, &UsageError{err}
	}
	cfg := t.cfg
	cfg.Args = positional
	if t.nodeCount < 0 || (t.nodeCount == 0 && isSet(t.fs, "node-count")) {
		return usage(t, errors.New("--node-count must be positive"))
	}
	if t.nodeCount > 0 {
		cfg.NodeIDs = cli.NodeIDs(t.nodeCount)
	}
	if cfg.Concurrency, err = cli.Concurrency(t.concurrency, len(cfg.NodeIDs)); err != nil {
		return usage(t, err)
	}
	if t.latencyMS < 0 {
		return usage(t, errors.New("--latency must be non-negative"))
	}
	cfg.Latency.Mean = time.Duration(t.latencyMS) * time.Millisecond
	cfg.Nemesis = cli.SplitList(t.nemesis)
	cfg.ConsistencyModels = cli.SplitList(t.models)
	if t.seed == "" {
		cfg.Seed = randomSeed()
	} else if cfg.Seed, err = strconv.ParseUint(t.seed, 10, 64); err != nil {
		return usage(t, fmt.Errorf("--seed %q: expected a non-negative integer", t.seed))
	}
	if err := cfg.Validate(); err != nil {
		return usage(t, err)
	}
	return cfg, nil
}

func usage(t *testFlags, err error) (run.Config, error) {
	fmt.Fprintln(t.fs.Output(), "harness test:", err)
	t.fs.Usage()
	return run.Config{}, &UsageError{err}
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// permute separates options (with their values) from plain arguments, so
// that `--bin x leader --node-count 2` works as it does in Maelstrom.
func permute(args []string, fs *flag.FlagSet) (flags, positional []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		if eq := strings.IndexByte(name, '='); eq >= 0 {
			flags = append(flags, a)
			name = name[:eq]
			if fs.Lookup(name) == nil && !boolFlags[name] {
				return nil, nil, fmt.Errorf("unknown option %s", a)
			}
			continue
		}
		if fs.Lookup(name) == nil && !boolFlags[name] {
			return nil, nil, fmt.Errorf("unknown option %s", a)
		}
		flags = append(flags, a)
		if boolFlags[name] {
			continue
		}
		if i+1 >= len(args) {
			return nil, nil, fmt.Errorf("option %s needs a value", a)
		}
		i++
		flags = append(flags, args[i])
	}
	return flags, positional, nil
}
