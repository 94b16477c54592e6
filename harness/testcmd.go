package main

import (
	"fmt"
	"io"
	"strings"

	"glomers/harness/checkcmd"
	"glomers/harness/netsim"
	"glomers/harness/registry"
	"glomers/harness/report"
	"glomers/harness/report/plot"
	"glomers/harness/run"
	"glomers/harness/service"
)

func startServices(net *netsim.Network, seed uint64) run.Stopper { return service.Start(net, seed) }

// finish writes results.json into the store, prints the summary and the
// closing line, and returns the exit status.
// perf is the fold run.Run was given as Env.Fold (nil: none): the perf
// plots' data, folded in the shared analyses' pass over the history.
func finish(out *run.Outcome, err error, perf *plot.PerfFold, stdout, stderr io.Writer) int {
	if err != nil && (out == nil || out.StoreDir == "") {
		// Nothing ran: bad options, or no store directory.
		fmt.Fprintln(stderr, "harness test:", err)
		return report.ExitError
	}
	res := run.Report(out, err)
	if werr := report.WriteFile(out.StoreDir, res); werr != nil {
		fmt.Fprintln(stderr, "harness test: writing results:", werr)
	}
	var folded *plot.Perf
	if perf != nil && res.Perf != nil { // the shared pass ran to the end
		p := perf.Result()
		folded = &p
	}
	writeExtras(out.StoreDir, folded, stderr)
	if err != nil {
		// The test did not run to the end: say why, show what the nodes
		// left behind, and give no analysis.
		fmt.Fprintf(stderr, "harness test: the test could not run: %v\n", err)
		for _, n := range out.Nodes {
			if n.OK() && len(n.StderrTail) == 0 {
				continue
			}
			if !strings.Contains(err.Error(), "node "+n.Node+" ") {
				// Problems of a node the error does not already explain.
				for _, p := range n.Problems {
					fmt.Fprintf(stderr, "  %s\n", p)
				}
			}
			if len(n.StderrTail) > 0 {
				fmt.Fprintf(stderr, "  %s's stderr ends:\n", n.Node)
			}
			for _, l := range n.StderrTail {
				fmt.Fprintf(stderr, "    stderr| %s\n", l)
			}
		}
		fmt.Fprintf(stdout, "Store: %s\n", out.StoreDir)
		return report.ExitError
	}
	report.Summary(stdout, res)
	fmt.Fprintf(stdout, "Store: %s\n", out.StoreDir)
	return report.ExitCode(res.Valid)
}

func checkCmd(args []string, stdout, stderr io.Writer) int {
	return checkcmd.Main(args, stdout, stderr, checkcmd.FromRegistry(registry.Get))
}
