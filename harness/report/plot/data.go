// Package plot draws the pictures of a test's store directory and of a
// sweep, with gonum/plot: Jepsen's three perf plots (latency-raw.png,
// latency-quantiles.png, rate.png, after jepsen/src/jepsen/checker/perf.clj),
// a Lamport diagram of the first messages (messages.svg, written by hand as
// SVG), and the cost-versus-size chart of scripts/sweep.sh.
//
// Everything here is bounded: raw latency points are thinned to at most
// MaxRawPoints, time series are bucketed, and the Lamport diagram reads
// only the start of the message journal, so a 40,000-operation run renders
// in well under a second.
package plot

import (
	"encoding/json"
	"glomers/harness/history"
	"io"
	"sort"
)

// Op is the part of a history operation the plots need. The history file
// is decoded into this small struct rather than history.Op so that large
// values (kafka polls, transactions) are skipped, not normalised.
type Op struct {
	Time    int64  `json:"time"` // ns since the test started
	Type    string `json:"type"` // invoke, ok, fail, info
	Process int    `json:"process"`
	F       string `json:"f"`
	Final   bool   `json:"final?"`
}

// ReadOps reads history.jsonl (harness/history's JSON lines) into Ops.
func ReadOps(r io.Reader) ([]Op, error) {
	var ops []Op
	err := history.EachLine(r, func(b []byte) error {
		var o Op
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		ops = append(ops, o)
		return nil
	})
	return ops, err
}

// Point is one completed client operation: when it was invoked (seconds
// since the start), how long it took (ms), its f and its outcome.
type Point struct {
	Time     float64
	Latency  float64
	Complete float64 // completion time, seconds
	F        string
	Type     string
}

// Interval is a span of time in seconds, such as a partition.
type Interval struct{ Start, End float64 }

// Perf is what the perf plots draw: the completed operations, the periods
// during which the network was partitioned, and the end of the history.
type Perf struct {
	Points  []Point
	Nemesis []Interval
	End     float64 // seconds: the last op's time
	Fs      []string
}

// FromOps pairs each client invocation with its process's next completion
// (as history.Pairs does; operations that never completed have no latency
// and are left out, as Jepsen's history->latencies does) and finds the
// partition periods: from the first start-partition op while the network is
// whole to the last stop-partition op that follows it (the harness records
// each nemesis action twice, as Jepsen records the nemesis's invoke and
// completion). A partition never healed lasts to the end.
func FromOps(ops []Op) Perf {
	var p Perf
	pending := map[int]Op{}
	fs := map[string]bool{}
	active := false
	var start float64
	lastNemesis := ""
	for _, o := range ops {
		t := float64(o.Time) / 1e9
		if t > p.End {
			p.End = t
		}
		if o.Process == history.NemesisProcess {
			switch o.F {
			case "start-partition":
				if !active {
					active, start = true, t
				}
			case "stop-partition":
				if active {
					active = false
					p.Nemesis = append(p.Nemesis, Interval{Start: start, End: t})
				} else if lastNemesis == "stop-partition" && len(p.Nemesis) > 0 {
					p.Nemesis[len(p.Nemesis)-1].End = t
				}
			}
			lastNemesis = o.F
			continue
		}
		if o.Type == "invoke" {
			pending[o.Process] = o
			continue
		}
		inv, ok := pending[o.Process]
		if !ok {
			continue
		}
		delete(pending, o.Process)
		fs[inv.F] = true
		p.Points = append(p.Points, Point{
			Time:     float64(inv.Time) / 1e9,
			Latency:  float64(o.Time-inv.Time) / 1e6,
			Complete: t,
			F:        inv.F,
			Type:     o.Type,
		})
	}
	if active {
		p.Nemesis = append(p.Nemesis, Interval{Start: start, End: p.End})
	}
	for f := range fs {
		p.Fs = append(p.Fs, f)
	}
	sort.Strings(p.Fs)
	return p
}
