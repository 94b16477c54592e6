package main

import (
	"fmt"
	"io"

	"glomers/harness/netsim"
	"glomers/harness/report"
	"glomers/harness/run"
	"glomers/harness/service"
)

func startServices(net *netsim.Network, seed uint64) run.Stopper { return service.Start(net, seed) }

// finish writes results.json into the store, prints the summary and the
// closing line, and returns the exit status.
func finish(out *run.Outcome, err error, stdout, stderr io.Writer) int {
	if err != nil && (out == nil || out.StoreDir == "") {
		// Nothing ran: bad options, or no store directory.
		fmt.Fprintln(stderr, "harness test:", err)
		return report.ExitError
	}
	res := run.Report(out, err)
	if werr := report.WriteFile(out.StoreDir, res); werr != nil {
		fmt.Fprintln(stderr, "harness test: writing results:", werr)
	}
	report.Summary(stdout, res)
	fmt.Fprintf(stdout, "Store: %s\n", out.StoreDir)
	if err != nil {
		fmt.Fprintln(stderr, "harness test:", err)
	}
	return report.ExitCode(res.Valid)
}

func checkCmd(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "harness check: not wired yet")
	return 2
}
