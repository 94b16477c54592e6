package check

import (
	"math"
	"sort"
	"strconv"

	"glomers/harness/history"
)

// DefaultQuantiles are the quantiles Jepsen's perf checker plots and
// Maelstrom reports for stable latencies.
var DefaultQuantiles = []float64{0, 0.5, 0.95, 0.99, 1}

// Quantiles maps a quantile, printed as Maelstrom prints it ("0", "0.5",
// "0.95", "0.99", "1"), to a value.
type Quantiles map[string]float64

// QuantileKey is the map key of quantile q.
func QuantileKey(q float64) string { return strconv.FormatFloat(q, 'g', -1, 64) }

// Get returns the value at quantile q.
func (qs Quantiles) Get(q float64) float64 { return qs[QuantileKey(q)] }

// QuantilesOf computes quantiles as jepsen.checker.perf/quantiles does: the
// value at index min(n-1, floor(n*q)) of the sorted values. It returns nil
// for no values. values is not modified.
func QuantilesOf(qs []float64, values []float64) Quantiles {
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	return quantilesOfSorted(qs, sorted)
}

// quantilesOfSorted is QuantilesOf of values already sorted.
func quantilesOfSorted(qs []float64, sorted []float64) Quantiles {
	if len(sorted) == 0 {
		return nil
	}
	n := len(sorted)
	out := make(Quantiles, len(qs))
	for _, q := range qs {
		i := min(n-1, int(math.Floor(float64(n)*q)))
		out[QuantileKey(q)] = sorted[i]
	}
	return out
}

// LatencySummary is a count of completed operations and the quantiles of
// their latencies in milliseconds.
type LatencySummary struct {
	Count     int       `json:"count"`
	Quantiles Quantiles `json:"quantiles,omitempty"`
}

// LatencyGroup summarises a group of operations and splits it by outcome
// ("ok", "fail", "info").
type LatencyGroup struct {
	LatencySummary
	ByType map[string]LatencySummary `json:"by-type"`
}

// LatencyResult is the numeric side of Jepsen's perf checker
// (jepsen/src/jepsen/checker/perf.clj), which Maelstrom shows as plots:
// latency quantiles of client operations, overall and by :f, and the
// achieved request rate. It is always valid, as :perf is.
type LatencyResult struct {
	Verdict
	LatencyGroup
	ByF map[string]LatencyGroup `json:"by-f"`
	// Rate is the achieved rate of main-phase client invocations per
	// second: (n-1) / the time between the first and the last of them, the
	// mean rate of a steady stream. Final-phase operations are left out, as
	// they are not paced by --rate.
	Rate float64 `json:"rate"`
	// OKRate is Rate scaled by the fraction of those invocations that
	// completed ok.
	OKRate float64 `json:"ok-rate"`
	// Duration is the span of the main-phase invocations, in seconds.
	Duration float64 `json:"duration"`
}

// Latency measures every completed client operation: latency is the
// completion's time minus the invocation's (perf.clj's :latency), in ms.
// Operations that never completed have no latency and are left out, as
// Jepsen does.
func Latency(h history.History, qs []float64) LatencyResult {
	f := NewLatencyFold(qs)
	for i := range h {
		f.Add(&h[i])
	}
	return f.Result()
}

// LatencyFold computes Latency op by op: it keeps each process's open
// invocation and one latency per completed operation (once, by f and
// outcome; the other groupings are merged from those at the end), not the
// ops. Operations are paired as history.Pairs pairs them.
type LatencyFold struct {
	qs      []float64
	pending map[int]openOp
	byF     map[string]map[string][]float64 // f -> outcome -> ms
	n, oks  int
	first   int64
	last    int64
}

type openOp struct {
	time  int64
	f     string
	final bool
}

// summaryOf is the count and quantiles of the latencies in lists, each
// sorted. Several lists are merged, not sorted again: Result sorts each
// latency once, not once per grouping it belongs to.
func summaryOf(qs []float64, lists ...[]float64) LatencySummary {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	if len(lists) == 1 {
		return LatencySummary{Count: n, Quantiles: quantilesOfSorted(qs, lists[0])}
	}
	var all []float64
	for _, l := range lists {
		all = mergeSorted(all, l)
	}
	return LatencySummary{Count: n, Quantiles: quantilesOfSorted(qs, all)}
}

// mergeSorted returns the sorted union (with repeats) of two sorted lists.
func mergeSorted(a, b []float64) []float64 {
	out := make([]float64, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0] < a[0] {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// NewLatencyFold starts a Latency fold with quantiles qs (nil: the
// defaults).
func NewLatencyFold(qs []float64) *LatencyFold {
	if qs == nil {
		qs = DefaultQuantiles
	}
	return &LatencyFold{qs: qs, pending: map[int]openOp{}, byF: map[string]map[string][]float64{}}
}

// Add takes one op.
func (f *LatencyFold) Add(o *history.Op) {
	if !o.IsClient() {
		return
	}
	if o.Type == history.Invoke {
		if !o.Final {
			if f.n == 0 {
				f.first = o.Time
			}
			f.last = o.Time
			f.n++
		}
		f.pending[o.Process] = openOp{time: o.Time, f: o.F, final: o.Final}
		return
	}
	inv, ok := f.pending[o.Process]
	if !ok {
		return
	}
	delete(f.pending, o.Process)
	if !inv.final && o.Type == history.OK {
		f.oks++
	}
	ms := float64(o.Time-inv.time) / 1e6
	g := f.byF[inv.f]
	if g == nil {
		g = map[string][]float64{}
		f.byF[inv.f] = g
	}
	g[string(o.Type)] = append(g[string(o.Type)], ms)
}

// Result is Latency of the ops added so far.
func (f *LatencyFold) Result() LatencyResult {
	res := LatencyResult{
		Verdict:      Verdict{Valid: Valid},
		LatencyGroup: LatencyGroup{ByType: map[string]LatencySummary{}},
		ByF:          make(map[string]LatencyGroup, len(f.byF)),
	}
	var all [][]float64
	byType := map[string][][]float64{}
	for fn, g := range f.byF {
		out := LatencyGroup{ByType: map[string]LatencySummary{}}
		var lists [][]float64
		for t, l := range g {
			sort.Float64s(l)
			out.ByType[t] = summaryOf(f.qs, l)
			lists = append(lists, l)
			byType[t] = append(byType[t], l)
		}
		out.LatencySummary = summaryOf(f.qs, lists...)
		res.ByF[fn] = out
		all = append(all, lists...)
	}
	res.LatencySummary = summaryOf(f.qs, all...)
	for t, lists := range byType {
		res.ByType[t] = summaryOf(f.qs, lists...)
	}
	if f.n >= 2 && f.last > f.first {
		res.Duration = float64(f.last-f.first) / 1e9
		res.Rate = float64(f.n-1) / res.Duration
		res.OKRate = res.Rate * float64(f.oks) / float64(f.n)
	}
	return res
}
