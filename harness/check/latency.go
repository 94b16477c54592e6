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
	if len(values) == 0 {
		return nil
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
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
// invocation and one latency per completed operation, not the ops.
// Operations are paired as history.Pairs pairs them.
type LatencyFold struct {
	qs      []float64
	pending map[int]openOp
	all     latencyGroup
	byF     map[string]*latencyGroup
	n, oks  int
	first   int64
	last    int64
}

type openOp struct {
	time  int64
	f     string
	final bool
}

type latencyGroup struct {
	all    []float64
	byType map[string][]float64
}

func (g *latencyGroup) add(t string, ms float64) {
	g.all = append(g.all, ms)
	if g.byType == nil {
		g.byType = map[string][]float64{}
	}
	g.byType[t] = append(g.byType[t], ms)
}

func (g *latencyGroup) summarise(qs []float64) LatencyGroup {
	out := LatencyGroup{
		LatencySummary: LatencySummary{Count: len(g.all), Quantiles: QuantilesOf(qs, g.all)},
		ByType:         map[string]LatencySummary{},
	}
	for t, l := range g.byType {
		out.ByType[t] = LatencySummary{Count: len(l), Quantiles: QuantilesOf(qs, l)}
	}
	return out
}

// NewLatencyFold starts a Latency fold with quantiles qs (nil: the
// defaults).
func NewLatencyFold(qs []float64) *LatencyFold {
	if qs == nil {
		qs = DefaultQuantiles
	}
	return &LatencyFold{qs: qs, pending: map[int]openOp{}, byF: map[string]*latencyGroup{}}
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
	t := string(o.Type)
	f.all.add(t, ms)
	g := f.byF[inv.f]
	if g == nil {
		g = &latencyGroup{}
		f.byF[inv.f] = g
	}
	g.add(t, ms)
}

// Result is Latency of the ops added so far.
func (f *LatencyFold) Result() LatencyResult {
	res := LatencyResult{
		Verdict:      Verdict{Valid: Valid},
		LatencyGroup: f.all.summarise(f.qs),
		ByF:          make(map[string]LatencyGroup, len(f.byF)),
	}
	for fn, g := range f.byF {
		res.ByF[fn] = g.summarise(f.qs)
	}
	if f.n >= 2 && f.last > f.first {
		res.Duration = float64(f.last-f.first) / 1e9
		res.Rate = float64(f.n-1) / res.Duration
		res.OKRate = res.Rate * float64(f.oks) / float64(f.n)
	}
	return res
}
