// Package runrow reads one run's headline figures from its store directory
// (ours or Maelstrom's) and writes them as a text line, TSV or CSV: what
// `harness summary` and scripts/challenges.sh print per run and
// scripts/sweep.sh collects per grid point.
package runrow

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"glomers/harness/check"
	"glomers/harness/history"
)

// Row is one run's headline figures, read from its store directory: what
// scripts/challenges.sh prints per challenge and scripts/sweep.sh writes
// per grid point. Figures that the store does not hold are NaN (printed
// as "-" in text and TSV, empty in CSV).
type Row struct {
	Dir      string
	Source   string // "results.json" (ours) or "results.edn" (Maelstrom's)
	Workload string
	Verdict  check.Validity

	// Test parameters (ours only: Maelstrom keeps them in a binary file).
	Nodes       float64
	Concurrency float64
	Rate        float64
	TimeLimit   float64

	MsgsPerOpAll     float64
	MsgsPerOpServers float64

	// LatencyKind is "stable" when the workload reports stable latencies
	// (broadcast), else "perf"; LatMedian and LatMax are that kind's
	// median and maximum, in ms.
	LatencyKind       string
	LatMedian, LatMax float64
	// Perf holds the client operation latency quantiles 0, 0.5, 0.95, 0.99
	// and 1, in ms.
	Perf [5]float64
	// StableMedian and StableMax are broadcast's stable latencies.
	StableMedian, StableMax float64

	AchievedRate float64 // client invocations per second
	OKRate       float64
	OKFraction   float64
	HarnessCPU   float64 // seconds
	Elapsed      float64 // seconds
}

func nan() float64 { return math.NaN() }

// Empty is the row of a run whose results cannot be read: every figure NaN,
// the verdict unknown.
func Empty(dir string) Row {
	r := Row{Dir: dir, Verdict: check.Unknown}
	for _, p := range []*float64{&r.Nodes, &r.Concurrency, &r.Rate, &r.TimeLimit,
		&r.MsgsPerOpAll, &r.MsgsPerOpServers, &r.LatMedian, &r.LatMax,
		&r.StableMedian, &r.StableMax, &r.AchievedRate, &r.OKRate,
		&r.OKFraction, &r.HarnessCPU, &r.Elapsed} {
		*p = nan()
	}
	for i := range r.Perf {
		r.Perf[i] = nan()
	}
	return r
}

// ReadRow reads dir/results.json, or, when there is none, a real
// Maelstrom store's dir/results.edn; Maelstrom's results carry no latency
// figures, so those are computed from dir/history.edn when it is there.
func ReadRow(dir string) (Row, error) {
	r := Empty(dir)
	if b, err := os.ReadFile(filepath.Join(dir, "results.json")); err == nil {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return r, fmt.Errorf("%s/results.json: %w", dir, err)
		}
		r.Source = "results.json"
		r.fill(v)
		return r, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return r, err
	}
	f, err := os.Open(filepath.Join(dir, "results.edn"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return r, fmt.Errorf("%s: neither results.json nor results.edn", dir)
		}
		return r, err
	}
	v, err := history.ReadEDNValue(f)
	f.Close()
	if err != nil {
		return r, fmt.Errorf("%s/results.edn: %w", dir, err)
	}
	r.Source = "results.edn"
	r.fill(v)
	if hf, err := os.Open(filepath.Join(dir, "history.edn")); err == nil {
		h, herr := history.ReadEDN(hf)
		hf.Close()
		if herr == nil {
			r.fillPerf(check.Latency(h, nil))
		}
	}
	if r.Workload == "" {
		r.Workload = workloadFromDir(dir)
	}
	r.pickLatency()
	return r, nil
}

// workloadFromDir guesses a Maelstrom store's workload from its path,
// store/<workload>/<timestamp>.
func workloadFromDir(dir string) string {
	abs, err := filepath.EvalSymlinks(dir)
	if err != nil {
		abs = dir
	}
	return filepath.Base(filepath.Dir(filepath.Clean(abs)))
}

// num reads a number from a value decoded from JSON (float64) or EDN
// (int64, float64); anything else is NaN.
func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case json.Number:
		f, err := x.Float64()
		if err == nil {
			return f
		}
	}
	return nan()
}

func get(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func validity(v any) check.Validity {
	switch x := v.(type) {
	case bool:
		return check.Of(x)
	case string:
		if x == "true" {
			return check.Valid
		}
		if x == "false" {
			return check.Invalid
		}
	}
	return check.Unknown
}

// fill reads the fields results.json and results.edn share (the EDN's
// keywords arrive as strings without their colon).
func (r *Row) fill(v any) {
	r.Verdict = validity(get(v, "valid?"))
	if w, ok := get(v, "test", "workload").(string); ok {
		r.Workload = w
	}
	if nodes, ok := get(v, "test", "nodes").([]any); ok {
		r.Nodes = float64(len(nodes))
	}
	r.Concurrency = num(get(v, "test", "concurrency"))
	r.Rate = num(get(v, "test", "rate"))
	r.TimeLimit = num(get(v, "test", "time-limit"))
	r.HarnessCPU = num(get(v, "test", "harness-cpu"))
	r.Elapsed = num(get(v, "test", "elapsed"))
	r.MsgsPerOpAll = num(get(v, "net", "all", "msgs-per-op"))
	r.MsgsPerOpServers = num(get(v, "net", "servers", "msgs-per-op"))
	r.OKFraction = num(get(v, "availability", "ok-fraction"))
	if sl := get(v, "workload", "stable-latencies"); sl != nil {
		r.StableMedian = num(get(sl, "0.5"))
		r.StableMax = num(get(sl, "1"))
	}
	if perf, ok := get(v, "perf").(map[string]any); ok {
		for i, q := range check.DefaultQuantiles {
			r.Perf[i] = num(get(perf, "quantiles", check.QuantileKey(q)))
		}
		r.AchievedRate = num(perf["rate"])
		r.OKRate = num(perf["ok-rate"])
	}
	r.pickLatency()
}

func (r *Row) fillPerf(p check.LatencyResult) {
	for i, q := range check.DefaultQuantiles {
		if p.Quantiles != nil {
			r.Perf[i] = p.Quantiles.Get(q)
		}
	}
	if p.Duration > 0 {
		r.AchievedRate, r.OKRate = p.Rate, p.OKRate
	}
}

func (r *Row) pickLatency() {
	if !math.IsNaN(r.StableMedian) || !math.IsNaN(r.StableMax) {
		r.LatencyKind, r.LatMedian, r.LatMax = "stable", r.StableMedian, r.StableMax
		return
	}
	r.LatencyKind, r.LatMedian, r.LatMax = "perf", r.Perf[1], r.Perf[4]
}

// fmtNum prints a figure with up to 7 significant digits (so an
// ok-fraction of 0.99995 does not read as 1); NaN prints as empty.
func fmtNum(f float64) string {
	if math.IsNaN(f) {
		return ""
	}
	return strconv.FormatFloat(f, 'g', 7, 64)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// TSVHeader names WriteTSV's columns: the challenge table's figures.
var TSVHeader = []string{"verdict", "msgs-per-op-servers", "latency", "latency-median-ms", "latency-max-ms", "ok-fraction", "store"}

// WriteTSV writes the row's challenge-table figures, tab-separated.
func (r Row) WriteTSV(w io.Writer) error {
	f := []string{r.Verdict.String(), fmtNum(r.MsgsPerOpServers), r.LatencyKind,
		fmtNum(r.LatMedian), fmtNum(r.LatMax), fmtNum(r.OKFraction), r.Dir}
	for i := range f {
		f[i] = dash(f[i])
	}
	_, err := fmt.Fprintln(w, strings.Join(f, "\t"))
	return err
}

// CSVHeader names the sweep CSV's columns, in order.
var CSVHeader = []string{
	"workload", "nodes", "concurrency", "rate", "time-limit", "verdict",
	"msgs-per-op-all", "msgs-per-op-servers",
	"latency-p0", "latency-p50", "latency-p95", "latency-p99", "latency-max",
	"stable-latency-median", "stable-latency-max",
	"achieved-rate", "ok-rate", "ok-fraction", "harness-cpu", "elapsed", "store",
}

// CSVRecord is the row in CSVHeader's order.
func (r Row) CSVRecord() []string {
	rec := []string{r.Workload, fmtNum(r.Nodes), fmtNum(r.Concurrency), fmtNum(r.Rate),
		fmtNum(r.TimeLimit), r.Verdict.String(), fmtNum(r.MsgsPerOpAll), fmtNum(r.MsgsPerOpServers)}
	for _, q := range r.Perf {
		rec = append(rec, fmtNum(q))
	}
	return append(rec, fmtNum(r.StableMedian), fmtNum(r.StableMax), fmtNum(r.AchievedRate),
		fmtNum(r.OKRate), fmtNum(r.OKFraction), fmtNum(r.HarnessCPU), fmtNum(r.Elapsed), r.Dir)
}

// WriteCSV writes rows as CSV, with the header line first when header is
// true.
func WriteCSV(w io.Writer, header bool, rows ...Row) error {
	cw := csv.NewWriter(w)
	if header {
		cw.Write(CSVHeader)
	}
	for _, r := range rows {
		cw.Write(r.CSVRecord())
	}
	cw.Flush()
	return cw.Error()
}

// WriteText writes the row for a reader, one figure a line.
func (r Row) WriteText(w io.Writer) error {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%-22s %s\n", k+":", dash(v)) }
	line("store", r.Dir)
	line("source", r.Source)
	line("workload", r.Workload)
	line("valid?", r.Verdict.String())
	line("nodes", fmtNum(r.Nodes))
	line("concurrency", fmtNum(r.Concurrency))
	line("rate", fmtNum(r.Rate))
	line("time-limit (s)", fmtNum(r.TimeLimit))
	line("msgs-per-op all", fmtNum(r.MsgsPerOpAll))
	line("msgs-per-op servers", fmtNum(r.MsgsPerOpServers))
	line("latency (ms) "+r.LatencyKind, fmt.Sprintf("median %s, max %s", dash(fmtNum(r.LatMedian)), dash(fmtNum(r.LatMax))))
	line("op latency (ms)", fmt.Sprintf("min %s p50 %s p95 %s p99 %s max %s", dash(fmtNum(r.Perf[0])),
		dash(fmtNum(r.Perf[1])), dash(fmtNum(r.Perf[2])), dash(fmtNum(r.Perf[3])), dash(fmtNum(r.Perf[4]))))
	line("achieved rate (/s)", fmtNum(r.AchievedRate))
	line("ok-fraction", fmtNum(r.OKFraction))
	line("harness cpu (s)", fmtNum(r.HarnessCPU))
	line("elapsed (s)", fmtNum(r.Elapsed))
	_, err := io.WriteString(w, b.String())
	return err
}

// ReadCSV reads a sweep CSV written by WriteCSV into maps keyed by the
// header's names, so older or newer column sets still read.
func ReadCSV(rd io.Reader) ([]map[string]string, error) {
	recs, err := csv.NewReader(rd).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errors.New("empty CSV")
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, k := range recs[0] {
			if i < len(rec) {
				m[k] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}
