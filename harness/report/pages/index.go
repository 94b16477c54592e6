package pages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"glomers/harness/check"
	"glomers/harness/report"
	"glomers/harness/report/plot"
)

// MaxAnomalyLines caps each workload field shown on the page; the whole
// result is in results.json, which the page links to.
const MaxAnomalyLines = 300

type plotRef struct {
	File    string
	Caption string
}

// pageData is what writeIndex needs; Results is nil when results.json
// could not be read.
type pageData struct {
	Dir          string
	Results      *report.Results
	TestRaw      map[string]json.RawMessage
	Plots        []plotRef
	Nemesis      []plot.Interval // fault periods: partitions, pauses, kills
	Messages     string
	MessageCount int
	// MessageWindow describes the window messages.svg covers ("" for the
	// first messages of the test).
	MessageWindow string
}

type kv struct{ Key, Value string }

type part struct {
	Name, Valid, Detail string
}

type statRow struct {
	F                       string
	Valid                   string
	Count, OK, Fail, Info   int
	P0, P50, P95, P99, P100 string
}

type netRow struct {
	Name             string
	Send, Recv, Msgs int64
	PerOp            string
}

type anomaly struct {
	Key   string
	Body  string
	Count int
}

type view struct {
	Title         string
	Dir           string
	Verdict       string
	Closing       string
	Error         string
	Test          []kv
	Parts         []part
	Stats         []statRow
	Net           []netRow
	NetNote       string
	Rate          string
	WorkloadOK    string
	Scalars       []kv
	Anomalies     []anomaly
	EmptyFields   string
	OpenDetails   bool
	Nodes         []kv
	NodeVerdict   string
	Plots         []plotRef
	Faults        []string
	Messages      string
	MessageCount  int
	MessageWindow string
	Missing       string
	Explanations  []string
}

// faultLines lists each fault's periods, one line per fault, with what
// each period hit (the partition spec, or the nodes paused or killed).
func faultLines(ivs []plot.Interval) []string {
	var lines []string
	for _, f := range plot.Faults {
		var spans []string
		for _, iv := range ivs {
			if iv.Fault != f.Name {
				continue
			}
			span := fmt.Sprintf("%.1f–%.1f s", iv.Start, iv.End)
			if len(iv.Targets) > 0 {
				span += " (" + strings.Join(iv.Targets, ", ") + ")"
			}
			spans = append(spans, span)
		}
		if len(spans) > 0 {
			lines = append(lines, fmt.Sprintf("%s (%s): %s", f.Name, plot.FaultColorNames[f.Name], strings.Join(spans, "; ")))
		}
	}
	return lines
}

func writeIndex(w io.Writer, d pageData) error {
	return indexTemplate.Execute(w, buildView(d))
}

func fmtQ(q check.Quantiles, at float64) string {
	if q == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", q.Get(at))
}

func perOp(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *p)
}

func buildView(d pageData) view {
	v := view{Dir: d.Dir, Title: filepath.Base(filepath.Clean(d.Dir)), Plots: d.Plots,
		Messages: d.Messages, MessageCount: d.MessageCount, MessageWindow: d.MessageWindow, Verdict: "unknown",
		Closing: report.Closing(check.Unknown)}
	v.Faults = faultLines(d.Nemesis)
	var missing []string
	if len(d.Plots) == 0 {
		missing = append(missing, "the perf plots (no readable history.jsonl)")
	}
	if d.Messages == "" {
		missing = append(missing, "the message diagram (no readable net-journal.jsonl)")
	}
	v.Missing = strings.Join(missing, " and ")
	r := d.Results
	if r == nil {
		v.Error = "results.json could not be read: this test has no verdict."
		return v
	}
	v.Verdict = r.Valid.String()
	v.Closing = report.Closing(r.Valid)
	v.Error = r.Error
	if w, ok := r.Test["workload"].(string); ok {
		v.Title = w + " · " + v.Title
	}
	v.Test = testRows(d.TestRaw)

	add := func(name string, valid check.Validity, detail string) {
		v.Parts = append(v.Parts, part{name, valid.String(), detail})
	}
	add("workload", r.WorkloadValidity(), "the workload's checker (below)")
	if s := r.Stats; s != nil {
		add("stats", s.Validity(), fmt.Sprintf("%d ops: %d ok, %d fail, %d info", s.Count, s.OKCount, s.FailCount, s.InfoCount))
	}
	if a := r.Availability; a != nil {
		target := "no target"
		if t, ok := r.Test["availability"].(string); ok && t != "" {
			target = "target " + t
		}
		add("availability", a.Validity(), fmt.Sprintf("ok-fraction %v (%s)", a.OKFraction, target))
	}
	if n := r.Net; n != nil {
		add("net", n.Validity(), fmt.Sprintf("%d messages, %s per op; servers %s per op", n.All.MsgCount, perOp(n.All.MsgsPerOp), perOp(n.Servers.MsgsPerOp)))
		for _, c := range []struct {
			name string
			c    countsView
		}{{"all", countsView(n.All)}, {"clients", countsView(n.Clients)}, {"servers", countsView(n.Servers)}} {
			v.Net = append(v.Net, netRow{Name: c.name, Send: c.c.SendCount, Recv: c.c.RecvCount, Msgs: c.c.MsgCount,
				PerOp: perOp(c.c.MsgsPerOp)})
		}
		if n.Dropped > 0 || n.Undeliverable > 0 {
			v.NetNote = fmt.Sprintf("%d messages dropped by partitions or dead nodes, %d undeliverable.", n.Dropped, n.Undeliverable)
		}
	}
	if p := r.Perf; p != nil {
		add("perf", p.Validity(), fmt.Sprintf("latency median %s ms, max %s ms", fmtQ(p.Quantiles, 0.5), fmtQ(p.Quantiles, 1)))
		v.Rate = fmt.Sprintf("%.1f invocations/s (%.1f ok/s) over %.1f s of the main phase", p.Rate, p.OKRate, p.Duration)
	}
	if n := r.Nodes; n != nil {
		detail := fmt.Sprintf("%d nodes ran to the end", len(n.Reports))
		if len(n.Crashed)+len(n.Garbled) > 0 {
			detail = fmt.Sprintf("crashed: %v; printed garbage: %v", n.Crashed, n.Garbled)
		}
		add("nodes", n.Validity(), detail)
		v.NodeVerdict = n.Validity().String()
		for _, rep := range n.Reports {
			s := "ran to the end"
			if rep.Restarts > 0 {
				s = fmt.Sprintf("ran to the end, killed and restarted %d times by the nemesis", rep.Restarts)
			}
			if rep.Exited {
				s = "exited early (" + rep.ExitStatus + ")"
			}
			if rep.GarbageCount > 0 {
				s += fmt.Sprintf("; printed %d lines that are not messages: %s", rep.GarbageCount, strings.Join(rep.GarbageSample, " | "))
			}
			if len(rep.Problems) > 0 {
				s = strings.Join(rep.Problems, "; ")
				if rep.GarbageCount > 0 {
					s += ": " + strings.Join(rep.GarbageSample, " | ")
				}
			}
			if !rep.OK() && len(rep.StderrTail) > 0 {
				s += "; stderr ends: " + strings.Join(rep.StderrTail, " | ")
			}
			v.Nodes = append(v.Nodes, kv{rep.Node, s})
		}
	}
	v.Stats = statRows(r)
	v.WorkloadOK = r.WorkloadValidity().String()
	v.OpenDetails = r.WorkloadValidity() != check.Valid
	v.Scalars, v.Anomalies, v.EmptyFields = workloadFields(r.Workload)
	v.Explanations = r.Explanations
	return v
}

type countsView struct {
	SendCount, RecvCount, MsgCount int64
	MsgsPerOp                      *float64
}

// testRows shows the test's parameters from results.json's raw "test"
// object, so that numbers (a 64-bit seed) print exactly as written.
func testRows(t map[string]json.RawMessage) []kv {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []kv
	for _, k := range keys {
		raw := bytes.TrimSpace(t[k])
		s := string(raw)
		var x any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&x) == nil {
			switch x := x.(type) {
			case nil:
				s = "-"
			case string:
				s = x
				if s == "" {
					s = "-"
				}
			case map[string]any:
				var c bytes.Buffer
				if json.Compact(&c, raw) == nil {
					s = c.String()
				}
			case []any:
				parts := make([]string, len(x))
				for i, e := range x {
					parts[i] = fmt.Sprint(e)
				}
				s = strings.Join(parts, " ")
				if k == "nodes" {
					s = fmt.Sprintf("%d: %s", len(x), s)
				}
			}
		}
		out = append(out, kv{k, s})
	}
	return out
}

func statRows(r *report.Results) []statRow {
	fs := map[string]bool{}
	if r.Stats != nil {
		for f := range r.Stats.ByF {
			fs[f] = true
		}
	}
	if r.Perf != nil {
		for f := range r.Perf.ByF {
			fs[f] = true
		}
	}
	names := make([]string, 0, len(fs))
	for f := range fs {
		names = append(names, f)
	}
	sort.Strings(names)
	var rows []statRow
	for _, f := range names {
		row := statRow{F: f, Valid: "-"}
		if r.Stats != nil {
			if c, ok := r.Stats.ByF[f]; ok {
				row.Valid = c.Validity().String()
				row.Count, row.OK, row.Fail, row.Info = c.Count, c.OKCount, c.FailCount, c.InfoCount
			}
		}
		row.P0, row.P50, row.P95, row.P99, row.P100 = "-", "-", "-", "-", "-"
		if r.Perf != nil {
			if g, ok := r.Perf.ByF[f]; ok && g.Quantiles != nil {
				row.P0, row.P50, row.P95, row.P99, row.P100 = fmtQ(g.Quantiles, 0), fmtQ(g.Quantiles, 0.5),
					fmtQ(g.Quantiles, 0.95), fmtQ(g.Quantiles, 0.99), fmtQ(g.Quantiles, 1)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// workloadFields splits the workload result into its scalar figures
// (counts, verdicts) and its non-empty collections (lost elements,
// anomalies, errors), each shown as indented JSON, abridged.
func workloadFields(w any) (scalars []kv, anomalies []anomaly, empty string) {
	var raw []byte
	switch x := w.(type) {
	case nil:
		return nil, nil, ""
	case json.RawMessage:
		raw = x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return nil, nil, ""
		}
		raw = b
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return []kv{{"result", string(raw)}}, nil, ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var emptyKeys []string
	for _, k := range keys {
		b := bytes.TrimSpace(m[k])
		if len(b) == 0 {
			continue
		}
		switch {
		case strings.HasSuffix(k, "latencies"):
			// Quantile maps (stable-latencies, lost-latencies) are
			// figures, not findings.
			var c bytes.Buffer
			json.Compact(&c, b)
			scalars = append(scalars, kv{k, c.String()})
		case b[0] == '[' || b[0] == '{':
			var x any
			json.Unmarshal(b, &x)
			n := 0
			switch c := x.(type) {
			case []any:
				n = len(c)
			case map[string]any:
				n = len(c)
			}
			if n == 0 {
				emptyKeys = append(emptyKeys, k)
				continue
			}
			var ind bytes.Buffer
			json.Indent(&ind, b, "", "  ")
			lines := strings.Split(ind.String(), "\n")
			if len(lines) > MaxAnomalyLines {
				lines = append(lines[:MaxAnomalyLines], fmt.Sprintf("... (%d more lines in results.json)", len(lines)-MaxAnomalyLines))
			}
			anomalies = append(anomalies, anomaly{Key: k, Body: strings.Join(lines, "\n"), Count: n})
		default:
			scalars = append(scalars, kv{k, string(b)})
		}
	}
	sort.SliceStable(scalars, func(i, j int) bool { return scalars[i].Key == "valid?" && scalars[j].Key != "valid?" })
	return scalars, anomalies, strings.Join(emptyKeys, ", ")
}

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}: valid? {{.Verdict}}</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; max-width: 1200px; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.verdict { display: inline-block; padding: 0.4em 0.9em; border-radius: 4px; font-size: 1.3em; font-weight: bold; color: white; }
.v-true { background: #2a8a3a; } .v-false { background: #c62828; } .v-unknown { background: #e08a00; }
td.v-true, td.v-false, td.v-unknown { color: white; font-weight: bold; text-align: center; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; font-size: 0.92em; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f8f8f8; padding: 0.6em; overflow: auto; max-height: 30em; font-size: 0.85em; }
.error { color: #c62828; font-weight: bold; white-space: pre-wrap; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; }
.lamport { overflow: auto; max-height: 900px; border: 1px solid #ddd; }
.missing { color: #c62828; }
.dir { color: #666; font-family: monospace; }
#explanations li { margin: 0.4em 0; white-space: pre-wrap; max-width: 60em; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="dir">{{.Dir}}</p>
<p><span id="verdict" class="verdict v-{{.Verdict}}">valid? {{.Verdict}}</span></p>
<p id="closing">{{.Closing}}</p>
{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
{{if .Explanations}}<h2>Why the workload is invalid</h2>
<ol id="explanations">
{{range .Explanations}}<li class="explanation">{{.}}</li>
{{end}}</ol>{{end}}

<h2>Verdict by part</h2>
<table id="parts">
<tr><th>part</th><th>valid?</th><th>detail</th></tr>
{{range .Parts}}<tr><td>{{.Name}}</td><td class="v-{{.Valid}}">{{.Valid}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>

{{if .Test}}<h2>Test</h2>
<table id="test">
{{range .Test}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>
{{end}}</table>{{end}}

{{if .Stats}}<h2>Operations</h2>
<table id="stats">
<tr><th>f</th><th>valid?</th><th>count</th><th>ok</th><th>fail</th><th>info</th><th>latency ms: min</th><th>median</th><th>p95</th><th>p99</th><th>max</th></tr>
{{range .Stats}}<tr><td>{{.F}}</td><td class="v-{{.Valid}}">{{.Valid}}</td><td class="num">{{.Count}}</td><td class="num">{{.OK}}</td><td class="num">{{.Fail}}</td><td class="num">{{.Info}}</td><td class="num">{{.P0}}</td><td class="num">{{.P50}}</td><td class="num">{{.P95}}</td><td class="num">{{.P99}}</td><td class="num">{{.P100}}</td></tr>
{{end}}</table>
{{if .Rate}}<p>Achieved rate: {{.Rate}}.</p>{{end}}{{end}}

{{if .Net}}<h2>Network</h2>
<table id="net">
<tr><th>traffic</th><th>sends</th><th>receives</th><th>messages</th><th>msgs per op</th></tr>
{{range .Net}}<tr><td>{{.Name}}</td><td class="num">{{.Send}}</td><td class="num">{{.Recv}}</td><td class="num">{{.Msgs}}</td><td class="num">{{.PerOp}}</td></tr>
{{end}}</table>
{{if .NetNote}}<p>{{.NetNote}}</p>{{end}}{{end}}

<h2>Workload checker: valid? {{.WorkloadOK}}</h2>
{{if .Scalars}}<table id="workload">
{{range .Scalars}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>
{{end}}</table>{{end}}
{{range .Anomalies}}<details class="anomaly"{{if $.OpenDetails}} open{{end}}><summary><b>{{.Key}}</b> ({{.Count}})</summary><pre>{{.Body}}</pre></details>
{{end}}{{if .EmptyFields}}<p>Empty: {{.EmptyFields}}.</p>{{end}}

{{if .Nodes}}<h2>Nodes: valid? {{.NodeVerdict}}</h2>
<table id="nodes">
{{range .Nodes}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
<p>Each node's stderr is in <a href="node-logs/">node-logs/</a>.</p>{{end}}

<h2>Plots</h2>
{{if .Faults}}<p>Faults (shaded in the plots):</p>
<ul id="faults">
{{range .Faults}}<li>{{.}}</li>
{{end}}</ul>{{end}}
{{if .Missing}}<p class="missing">Not drawn: {{.Missing}}.</p>{{end}}
{{range .Plots}}<figure><img data-plot src="{{.File}}" alt="{{.File}}" width="900" height="400"><figcaption>{{.Caption}} ({{.File}})</figcaption></figure>
{{end}}
{{if .Messages}}<h2>Messages</h2>
<p>A Lamport diagram of the first {{.MessageCount}} messages{{if .MessageWindow}} sent {{.MessageWindow}}{{end}}: one line per node, service and client; arrows from send to receipt (dashed: replies; red cross: never received). Hover an arrow for its times.</p>
<div class="lamport"><img data-plot src="{{.Messages}}" alt="{{.Messages}}"></div>{{end}}

<h2>Files</h2>
<p><a href="results.json">results.json</a> · <a href="history.jsonl">history.jsonl</a> · <a href="net-journal.jsonl">net-journal.jsonl</a> · <a href="test.json">test.json</a></p>
<p id="plots-status"></p>
<script>
// Mark each picture loaded or missing, so a reader (and the browser test)
// can tell a broken image from a slow one. Nothing is fetched.
window.addEventListener("load", function () {
  var imgs = document.querySelectorAll("img[data-plot]");
  var ok = 0;
  imgs.forEach(function (img) {
    var loaded = img.complete && img.naturalWidth > 0;
    img.setAttribute("data-loaded", loaded ? "true" : "false");
    if (loaded) { ok++; return; }
    var p = document.createElement("p");
    p.className = "missing";
    p.textContent = img.getAttribute("src") + " could not be shown.";
    img.parentNode.insertBefore(p, img.nextSibling);
  });
  document.getElementById("plots-status").textContent = ok + " of " + imgs.length + " pictures shown.";
});
</script>
</body>
</html>
`))
