package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"glomers/harness/check"
	"glomers/harness/netsim"
	"glomers/harness/run"
	"glomers/harness/service"
)

func startServices(net *netsim.Network, seed uint64) run.Stopper { return service.Start(net, seed) }

func checkCmd(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "harness check: not wired yet")
	return 2
}

// finish prints the verdict and writes results.json (temporary until the
// report package lands).
func finish(out *run.Outcome, err error, cfg run.Config, stdout, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintln(stderr, "harness test:", err)
		if se, ok := err.(*run.SetupError); ok {
			for _, n := range se.Nodes {
				if !n.OK() {
					fmt.Fprintf(stderr, "%s: exited=%v %s garbage=%d\n  stderr: %v\n", n.Node, n.Exited, n.ExitStatus, n.GarbageCount, n.StderrTail)
				}
			}
		}
		return 2
	}
	ops := 0
	for _, o := range out.History {
		if o.IsClient() && o.IsInvoke() {
			ops++
		}
	}
	valid := out.Workload.Validity()
	for _, n := range out.Nodes {
		if !n.OK() {
			valid = check.Merge(valid, check.Invalid)
		}
	}
	res := map[string]any{
		"valid?":   valid,
		"workload": out.Workload,
		"net":      out.Net.WithMsgsPerOp(ops),
		"nodes":    out.Nodes,
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	os.WriteFile(filepath.Join(out.StoreDir, "results.json"), b, 0o644)
	fmt.Fprintln(stdout, string(b))
	switch valid {
	case check.Valid:
		fmt.Fprintln(stdout, "Everything looks good! ヽ(‘ー`)ノ")
		return 0
	case check.Invalid:
		fmt.Fprintln(stdout, "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻")
		return 1
	}
	return 2
}
