// Command harness is a Maelstrom-compatible test bench:
//
//	harness test -w WORKLOAD --bin BIN [maelstrom flags] [node args...]
//	harness check --workload WORKLOAD STORE_DIR
//
// `test` runs the nodes against a simulated network and checks the
// history; `check` re-checks a store directory written by the real
// Maelstrom (or by us). Exit status: 0 valid, 1 invalid, 2 unknown or error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"time"

	"glomers/harness/cli/testflags"
	"glomers/harness/process"
	"glomers/harness/registry"
	"glomers/harness/report/plot"
	"glomers/harness/run"
)

func main() {
	tuneGC()
	// GLOMERS_MEMPROFILE=prefix writes a heap profile of the harness
	// every 5 s, to prefix.5s, prefix.10s, ... (for finding what a run
	// keeps).
	if path := os.Getenv("GLOMERS_MEMPROFILE"); path != "" {
		go func() {
			for i := 1; ; i++ {
				time.Sleep(5 * time.Second)
				if f, err := os.Create(fmt.Sprintf("%s.%ds", path, 5*i)); err == nil {
					runtime.GC()
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
		}()
	}
	// GLOMERS_CPUPROFILE=file profiles the harness itself (for tuning it).
	if path := os.Getenv("GLOMERS_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			code := realMain(os.Args[1:], os.Stdout, os.Stderr)
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

const topUsage = `usage:
  harness test -w WORKLOAD --bin BIN [options] [args for the node binary]
  harness check --workload WORKLOAD STORE_DIR
  harness summary [--format text|tsv|csv] [--header] STORE_DIR...
  harness report [--from S] [--to S] STORE_DIR...
  harness plot-sweep SWEEP.csv OUT.png
  harness serve [--store DIR] [--addr localhost:8080]
Run 'harness test --help' for the options.`

func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, topUsage)
		return 2
	}
	switch args[0] {
	case "test":
		return testCmd(args[1:], stdout, stderr)
	case "check":
		return checkCmd(args[1:], stdout, stderr)
	case "summary":
		return summaryCmd(args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout, stderr)
	case "plot-sweep":
		return plotSweepCmd(args[1:], stdout, stderr)
	case "serve":
		return serveCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, topUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "harness: unknown command %q\n%s\n", args[0], topUsage)
		return 2
	}
}

func testCmd(args []string, stdout, stderr io.Writer) int {
	cfg, err := testflags.Parse(args, stderr, rand.Uint64)
	if errors.Is(err, testflags.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if _, ok := registry.Get(cfg.Workload); !ok {
		fmt.Fprintf(stderr, "harness test: unknown workload %q; known: %v\n", cfg.Workload, registry.Names())
		return 2
	}
	if _, err := exec.LookPath(cfg.Bin); err != nil {
		fmt.Fprintf(stderr, "harness test: --bin %s: not an executable file (%v)\n", cfg.Bin, err)
		return 2
	}
	cfg.Progress = isTerminal(os.Stderr)
	if os.Getenv("GOMAXPROCS") == "" {
		cfg.MainPhaseProcs = 1 // see run.Config.MainPhaseProcs
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var procs process.Group
	signals := handleSignals(cancel, &procs, stderr, os.Exit, interruptGrace)
	defer signals.stop()
	fmt.Fprintf(stdout, "Running %s with %d nodes (%s), seed %d\n", cfg.Workload, len(cfg.NodeIDs), cfg.Bin, cfg.Seed)
	// The perf plots' data is folded in the shared analyses' pass over
	// the history rather than in a pass of its own.
	perf := plot.NewPerfFold()
	out, err := run.Run(ctx, cfg, run.Env{
		Workloads:    registry.Get,
		Services:     startServices,
		Log:          stdout,
		Processes:    &procs,
		NodesStopped: signals.settled,
		Fold:         perf.Add,
	})
	return finish(out, err, perf, stdout, stderr)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
