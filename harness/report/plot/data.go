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
	"io"
	"slices"
	"sort"

	"glomers/harness/history"
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
	// Value is kept for nemesis operations only (their targets).
	Value json.RawMessage `json:"-"`
}

// ReadOps reads history.jsonl (harness/history's JSON lines) into Ops.
func ReadOps(r io.Reader) ([]Op, error) {
	var ops []Op
	err := history.EachLine(r, func(b []byte) error {
		var o Op
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		if o.Process == history.NemesisProcess {
			var v struct {
				Value json.RawMessage `json:"value"`
			}
			if err := json.Unmarshal(b, &v); err != nil {
				return err
			}
			o.Value = v.Value
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

// Interval is a span of time in seconds during which a fault was on.
// Fault is partition, pause or kill; Targets says what it hit: the
// partition spec, or the nodes paused or killed.
type Interval struct {
	Start, End float64
	Fault      string
	Targets    []string
}

// Fault is one kind of nemesis activity and the fs that start and end it,
// as Jepsen's combined nemesis declares them in its :perf maps.
type Fault struct {
	Name        string
	Start, Stop string
}

// Faults are the faults the harness injects, in drawing order.
var Faults = []Fault{
	{"partition", "start-partition", "stop-partition"},
	{"pause", "pause", "resume"},
	{"kill", "kill", "start"},
}

// Perf is what the perf plots draw: the completed operations, the periods
// during which a fault was on, and the end of the history.
type Perf struct {
	Points  []Point
	Nemesis []Interval // ordered by start
	End     float64    // seconds: the last op's time
	Fs      []string
}

// faultState follows one fault through the nemesis operations.
type faultState struct {
	active   bool
	start    float64
	targets  []string
	lastStop bool // the previous op of this fault was a stop
}

// FromOps pairs each client invocation with its process's next completion
// (as history.Pairs does; operations that never completed have no latency
// and are left out, as Jepsen's history->latencies does) and finds each
// fault's periods: from the first start op while the fault is off to the
// last stop op that follows it (the harness records each nemesis action
// twice, as Jepsen records the nemesis's invoke and completion). A fault
// never ended lasts to the end.
func FromOps(ops []Op) Perf {
	f := newPerfFold()
	for _, o := range ops {
		f.add(o)
	}
	return f.result()
}

// PerfOf is FromOps of a history read op by op (a store's history.jsonl),
// keeping one Point per completed operation rather than every op: a 120 s
// kafka run has 2.4 million ops.
func PerfOf(src history.Source) (Perf, error) {
	f := NewPerfFold()
	var err error
	if rs, ok := src.(history.RawSource); ok {
		err = rs.ScanRaw(f.Add)
	} else {
		err = src.Scan(true, func(o *history.Op) error { return f.Add(o, nil) })
	}
	if err != nil {
		return Perf{}, err
	}
	return f.Result(), nil
}

// PerfFold is PerfOf's fold, for a caller that reads the history for
// other reasons too and feeds it the ops of that one pass: harness test
// folds the perf plots' data in the shared analyses' scan
// (report.Analyse), so the stored history is not read once more for them.
type PerfFold struct {
	f     *perfFold
	names map[string]string // shares the few distinct f and type strings
}

// NewPerfFold starts an empty fold.
func NewPerfFold() *PerfFold {
	return &PerfFold{f: newPerfFold(), names: map[string]string{}}
}

func (p *PerfFold) intern(s string) string {
	if v, ok := p.names[s]; ok {
		return v
	}
	p.names[s] = s
	return s
}

// Add takes the history's next op. value is the op's value as stored
// JSON (history.RawSource); when nil, o.Value is used.
func (p *PerfFold) Add(o *history.Op, value []byte) error {
	op := Op{Time: o.Time, Type: p.intern(string(o.Type)), Process: o.Process, F: p.intern(o.F), Final: o.Final}
	if o.Process == history.NemesisProcess {
		if value == nil {
			b, err := json.Marshal(o.Value)
			if err != nil {
				return err
			}
			value = b
		}
		op.Value = append(json.RawMessage(nil), value...)
	}
	p.f.add(op)
	return nil
}

// Result is the Perf of the ops added so far.
func (p *PerfFold) Result() Perf { return p.f.result() }

// perfFold builds a Perf op by op. It keeps each completed operation as
// a compactPoint (24 bytes, not a Point's 56) until result: harness test
// folds the plots' data in the kafka checker's pass, while the checker's
// own tables are alive, and a 120 s run has over a million operations.
type perfFold struct {
	p       Perf
	points  []compactPoint
	names   []string       // f and type strings, by index
	nameIdx map[string]int // index in names
	pending map[int]Op
	fs      map[string]bool
	states  []faultState
}

// compactPoint is a Point as the two times it is computed from, with its
// f and type as indexes into perfFold.names.
type compactPoint struct {
	invoke, complete int64 // ns since the start
	f, typ           int32
}

func newPerfFold() *perfFold {
	return &perfFold{pending: map[int]Op{}, fs: map[string]bool{}, states: make([]faultState, len(Faults)), nameIdx: map[string]int{}}
}

func (f *perfFold) name(s string) int32 {
	i, ok := f.nameIdx[s]
	if !ok {
		i = len(f.names)
		f.names = append(f.names, s)
		f.nameIdx[s] = i
	}
	return int32(i)
}

func (f *perfFold) add(o Op) {
	p, pending, fs, states := &f.p, f.pending, f.fs, f.states
	{
		t := float64(o.Time) / 1e9
		if t > p.End {
			p.End = t
		}
		if o.Process == history.NemesisProcess {
			for i, f := range Faults {
				st := &states[i]
				switch o.F {
				case f.Start:
					if !st.active {
						st.active, st.start, st.targets = true, t, nil
					}
					st.targets = appendTargets(st.targets, f.Name, o.Value)
					st.lastStop = false
				case f.Stop:
					if st.active {
						st.active = false
						p.Nemesis = append(p.Nemesis, Interval{Start: st.start, End: t, Fault: f.Name, Targets: st.targets})
					} else if st.lastStop {
						// The completion of the stop that ended the last interval.
						for j := len(p.Nemesis) - 1; j >= 0; j-- {
							if p.Nemesis[j].Fault == f.Name {
								p.Nemesis[j].End = t
								break
							}
						}
					}
					st.lastStop = true
				}
			}
			return
		}
		if o.Type == "invoke" {
			pending[o.Process] = o
			return
		}
		inv, ok := pending[o.Process]
		if !ok {
			return
		}
		delete(pending, o.Process)
		fs[inv.F] = true
		f.points = append(f.points, compactPoint{invoke: inv.Time, complete: o.Time, f: f.name(inv.F), typ: f.name(o.Type)})
	}
}

func (f *perfFold) result() Perf {
	p := f.p
	if len(f.points) > 0 {
		p.Points = make([]Point, len(f.points))
		for i, c := range f.points {
			p.Points[i] = Point{
				Time:     float64(c.invoke) / 1e9,
				Latency:  float64(c.complete-c.invoke) / 1e6,
				Complete: float64(c.complete) / 1e9,
				F:        f.names[c.f],
				Type:     f.names[c.typ],
			}
		}
	}
	for i, fault := range Faults {
		if st := f.states[i]; st.active {
			p.Nemesis = append(p.Nemesis, Interval{Start: st.start, End: p.End, Fault: fault.Name, Targets: st.targets})
		}
	}
	sort.SliceStable(p.Nemesis, func(i, j int) bool { return p.Nemesis[i].Start < p.Nemesis[j].Start })
	for fn := range f.fs {
		p.Fs = append(p.Fs, fn)
	}
	sort.Strings(p.Fs)
	return p
}

// appendTargets adds what a start op's value says the fault hit: a
// partition's spec (the request, a string), or the nodes a pause or kill
// acted on (the completion, a map from node to "paused" or "killed").
func appendTargets(targets []string, fault string, value json.RawMessage) []string {
	if len(value) == 0 {
		return targets
	}
	var spec string
	if fault == "partition" {
		if json.Unmarshal(value, &spec) == nil && spec != "" && !slices.Contains(targets, spec) {
			targets = append(targets, spec)
		}
		return targets
	}
	var results map[string]any
	if json.Unmarshal(value, &results) != nil {
		return targets
	}
	var hit []string
	for node, res := range results {
		if (res == "paused" || res == "killed") && !slices.Contains(targets, node) {
			hit = append(hit, node)
		}
	}
	sort.Strings(hit)
	return append(targets, hit...)
}
