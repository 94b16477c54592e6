package report

import (
	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/netsim"
)

// Analyse runs the checkers every test shares on src, in one pass that
// keeps no ops, and returns the parts they fill: Maelstrom's stats
// (check.MaelstromStats), availability with target, the latency summary,
// and net with msgs-per-op filled in from the client invocations, as
// src/maelstrom/net/checker.clj counts them (nemesis ops excluded). net may
// be nil (`harness check` has no journal). The caller adds Test, Workload,
// Nodes and Error.
func Analyse(src history.Source, target check.AvailabilityTarget, net *netsim.Stats) (Parts, error) {
	var stats check.StatsFold
	var avail check.AvailabilityFold
	perf := check.NewLatencyFold(nil)
	invokes := 0
	err := src.Scan(false, func(o *history.Op) error {
		stats.Add(o)
		avail.Add(o)
		perf.Add(o)
		if o.IsClient() && o.IsInvoke() {
			invokes++
		}
		return nil
	})
	if err != nil {
		return Parts{}, err
	}
	s, a, l := check.Maelstrom(stats.Result()), avail.Result(target), perf.Result()
	p := Parts{Stats: &s, Availability: &a, Perf: &l}
	if net != nil {
		n := net.WithMsgsPerOp(invokes)
		p.Net = &n
	}
	return p, nil
}
