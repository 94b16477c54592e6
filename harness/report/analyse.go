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
//
// Each of also, if any, is handed every op of the same pass, with the
// op's value as stored JSON when src is a history.RawSource (o.Value is
// then nil) and nil otherwise (o.Value holds it): a caller with more folds
// to run over the history (harness test's perf plots) needs no pass of
// its own.
func Analyse(src history.Source, target check.AvailabilityTarget, net *netsim.Stats, also ...func(o *history.Op, value []byte) error) (Parts, error) {
	var stats check.StatsFold
	var avail check.AvailabilityFold
	perf := check.NewLatencyFold(nil)
	invokes := 0
	step := func(o *history.Op, value []byte) error {
		stats.Add(o)
		avail.Add(o)
		perf.Add(o)
		if o.IsClient() && o.IsInvoke() {
			invokes++
		}
		for _, fold := range also {
			if err := fold(o, value); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if rs, ok := src.(history.RawSource); ok && len(also) > 0 {
		err = rs.ScanRaw(step)
	} else {
		err = src.Scan(len(also) > 0, func(o *history.Op) error { return step(o, nil) })
	}
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
