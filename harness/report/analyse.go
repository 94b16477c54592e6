package report

import (
	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/netsim"
)

// Analyse runs the checkers every test shares on h and returns the parts
// they fill: Maelstrom's stats (check.MaelstromStats), availability with
// target, the latency summary, and net with msgs-per-op filled in from the
// client invocations, as src/maelstrom/net/checker.clj counts them (nemesis
// ops excluded). net may be nil (`harness check` has no journal). The caller
// adds Test, Workload, Nodes and Error.
func Analyse(h history.History, target check.AvailabilityTarget, net *netsim.Stats) Parts {
	stats := check.MaelstromStats(h)
	avail := check.Availability(h, target)
	perf := check.Latency(h, nil)
	p := Parts{Stats: &stats, Availability: &avail, Perf: &perf}
	if net != nil {
		invokes := 0
		for _, o := range h {
			if o.IsClient() && o.IsInvoke() {
				invokes++
			}
		}
		n := net.WithMsgsPerOp(invokes)
		p.Net = &n
	}
	return p
}
