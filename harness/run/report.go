package run

import (
	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/report"
)

// Report composes a finished test's analyses the way Maelstrom's
// core.clj composes its checkers: the shared ones (report.Analyse, the
// same path `harness check` takes: perf, stats, availability, net) plus
// the workload's and our report on the node processes. err is the
// runner's error, if any: a test that could not start or finish has an
// unknown verdict at best. The shared analyses come from the workload
// checker's last pass when it carried them (Run), or else from a pass of
// their own here (made once per Outcome), which also hands Env.Fold every
// op.
func Report(out *Outcome, err error) *report.Results {
	parts := report.Parts{Test: testSummary(out)}
	if out != nil {
		parts.Interrupted = out.Interrupted
	}
	if err != nil {
		parts.Error = err.Error()
	}
	if out == nil {
		return report.New(parts)
	}
	if out.Nodes != nil {
		parts.Nodes = out.Nodes
	}
	if err != nil {
		return report.New(parts)
	}
	target, aerr := check.ParseAvailability(out.Config.Availability)
	if aerr != nil {
		parts.Error = aerr.Error()
	}
	if out.shared == nil {
		var also []func(o *history.Op, value []byte) error
		if out.fold != nil {
			also = append(also, out.fold)
		}
		// Kept, so that Env.Fold sees the history once however often
		// Report is called.
		f, serr := report.FoldShared(out.Source, also...)
		if serr != nil {
			parts.Error = serr.Error()
		}
		out.shared = f
	}
	var shared report.Parts
	if out.shared != nil {
		shared = out.shared.Parts(target, &out.Net)
	}
	parts.Stats, parts.Availability, parts.Perf, parts.Net = shared.Stats, shared.Availability, shared.Perf, shared.Net
	parts.Workload = out.Workload
	if out.Interrupted {
		parts.Error = "the test was interrupted before it finished: the history so far is in the store, unchecked"
	}
	return report.New(parts)
}

func testSummary(out *Outcome) map[string]any {
	if out == nil {
		return nil
	}
	c := out.Config
	return map[string]any{
		"workload":     c.Workload,
		"bin":          c.Bin,
		"args":         c.Args,
		"nodes":        c.NodeIDs,
		"concurrency":  c.Concurrency,
		"rate":         c.Rate,
		"time-limit":   c.TimeLimit.Seconds(),
		"latency":      map[string]any{"mean": c.Latency.Mean.Milliseconds(), "dist": c.Latency.Dist},
		"nemesis":      c.Nemesis,
		"availability": c.Availability,
		"seed":         c.Seed,
		"store":        out.StoreDir,
		"elapsed":      out.Elapsed.Seconds(),
		"harness-cpu":  out.HarnessCPU.Seconds(),
	}
}
