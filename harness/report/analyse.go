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
// Each of also, if any, is handed every op of the same pass (see
// SharedFold.Add): a caller with more folds to run over the history
// (harness test's perf plots) needs no pass of its own.
func Analyse(src history.Source, target check.AvailabilityTarget, net *netsim.Stats, also ...func(o *history.Op, value []byte) error) (Parts, error) {
	f, err := FoldShared(src, also...)
	if err != nil {
		return Parts{}, err
	}
	return f.Parts(target, net), nil
}

// FoldShared is Analyse's pass over src, returning the fold (whose Parts
// Analyse returns).
func FoldShared(src history.Source, also ...func(o *history.Op, value []byte) error) (*SharedFold, error) {
	f := NewSharedFold(also...)
	var err error
	if rs, ok := src.(history.RawSource); ok && len(also) > 0 {
		err = rs.ScanRaw(f.Add)
	} else {
		err = src.Scan(len(also) > 0, func(o *history.Op) error { return f.Add(o, nil) })
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// SharedFold is Analyse op by op, for a caller that reads the history in
// a pass of its own and can carry these folds along: the runner folds
// them in the kafka checker's last pass over a stored history
// (workload.PassSharer), so that history is read once less.
type SharedFold struct {
	stats   check.StatsFold
	avail   check.AvailabilityFold
	perf    *check.LatencyFold
	invokes int
	also    []func(o *history.Op, value []byte) error
}

// NewSharedFold starts the shared analyses; each of also is handed every
// op too.
func NewSharedFold(also ...func(o *history.Op, value []byte) error) *SharedFold {
	return &SharedFold{perf: check.NewLatencyFold(nil), also: also}
}

// Add takes the history's next op. value is the op's value as stored JSON
// when the history is read from a history.RawSource (o.Value is then
// nil), nil otherwise (o.Value holds it); only the folds of also look at
// it.
func (f *SharedFold) Add(o *history.Op, value []byte) error {
	f.stats.Add(o)
	f.avail.Add(o)
	f.perf.Add(o)
	if o.IsClient() && o.IsInvoke() {
		f.invokes++
	}
	for _, fold := range f.also {
		if err := fold(o, value); err != nil {
			return err
		}
	}
	return nil
}

// Parts are Analyse's parts for the ops added.
func (f *SharedFold) Parts(target check.AvailabilityTarget, net *netsim.Stats) Parts {
	s, a, l := check.Maelstrom(f.stats.Result()), f.avail.Result(target), f.perf.Result()
	p := Parts{Stats: &s, Availability: &a, Perf: &l}
	if net != nil {
		n := net.WithMsgsPerOp(f.invokes)
		p.Net = &n
	}
	return p
}
