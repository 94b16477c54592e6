package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/netsim"
	"glomers/harness/process"
)

type echoResult struct {
	check.Verdict
	Errors []string `json:"errors"`
}

func wl(v check.Validity) check.Result {
	return echoResult{Verdict: check.Verdict{Valid: v}, Errors: []string{}}
}

// echoHistory has n echo ops that all end in info, like the TheRamsay run
// whose node replied without the echo field.
func echoHistory(n int, outcome history.Type) history.History {
	var h history.History
	for i := 0; i < n; i++ {
		h = append(h,
			history.Op{Time: int64(2*i) * 1e6, Type: history.Invoke, F: "echo", Value: "x"},
			history.Op{Time: int64(2*i+1) * 1e6, Type: outcome, F: "echo", Value: "x"})
	}
	h.Reindex()
	return h
}

func parts(h history.History, target check.AvailabilityTarget, w check.Result) Parts {
	stats := check.MaelstromStats(h)
	avail := check.Availability(h, target)
	perf := check.Latency(h, nil)
	return Parts{
		Test:         map[string]any{"workload": "echo"},
		Workload:     w,
		Stats:        &stats,
		Availability: &avail,
		Perf:         &perf,
	}
}

// The TheRamsay echo run in ../shared/maelstrom-runs: every op is info, the
// echo checker finds nothing wrong (no ok reply to compare), availability
// has no target, yet results.edn says :valid? false, because :stats is
// false (no :f has an ok op) and compose merges it in.
func TestMergeStatsMakesValidWorkloadInvalid(t *testing.T) {
	r := New(parts(echoHistory(51, history.Info), check.AvailabilityTarget{}, wl(check.Valid)))
	assert.Equal(t, check.Valid, r.WorkloadValidity())
	assert.Equal(t, check.Invalid, r.Stats.Validity())
	assert.Equal(t, check.Valid, r.Availability.Validity())
	assert.Equal(t, float32(0), r.Availability.OKFraction)
	assert.Equal(t, check.Invalid, r.Valid)
	assert.Equal(t, ExitInvalid, ExitCode(r.Valid))

	var out bytes.Buffer
	require.NoError(t, Summary(&out, r))
	assert.True(t, strings.HasSuffix(out.String(), "\n"+ClosingInvalid+"\n"), out.String())
	assert.Contains(t, out.String(), "stats         false   51 ops: 0 ok, 0 fail, 51 info")
}

func TestMergeValid(t *testing.T) {
	ms := 1.5
	net := netsim.Stats{All: netsim.Counts{SendCount: 4, RecvCount: 4, MsgCount: 4, MsgsPerOp: &ms}}
	p := parts(echoHistory(3, history.OK), check.AvailabilityTarget{Set: true, Total: true}, wl(check.Valid))
	p.Net = &net
	p.Nodes = []process.Report{{Node: "n0"}}
	r := New(p)
	assert.Equal(t, check.Valid, r.Valid)
	assert.Equal(t, ExitValid, ExitCode(r.Valid))
	var out bytes.Buffer
	require.NoError(t, Summary(&out, r))
	s := out.String()
	assert.True(t, strings.HasSuffix(s, "\n"+ClosingValid+"\n"), s)
	assert.Contains(t, s, "Workload echo")
	assert.Contains(t, s, "(1.50 per op)")
	assert.Contains(t, s, "1 nodes ran to the end")
}

func TestMergeUnknownAndPrecedence(t *testing.T) {
	h := echoHistory(3, history.OK)

	r := New(parts(h, check.AvailabilityTarget{}, nil))
	assert.Equal(t, check.Unknown, r.Valid, "no workload result")
	assert.Equal(t, ExitUnknown, ExitCode(r.Valid))
	var out bytes.Buffer
	require.NoError(t, Summary(&out, r))
	assert.True(t, strings.HasSuffix(out.String(), ClosingUnknown+"\n"))

	p := parts(h, check.AvailabilityTarget{}, wl(check.Valid))
	p.Error = "checker failed: boom"
	r = New(p)
	assert.Equal(t, check.Unknown, r.Valid, "an error")
	out.Reset()
	require.NoError(t, Summary(&out, r))
	assert.Contains(t, out.String(), "checker failed: boom")

	p = parts(h, check.AvailabilityTarget{}, wl(check.Invalid))
	p.Error = "something else"
	assert.Equal(t, check.Invalid, New(p).Valid, "false beats unknown")

	r = New(parts(h, check.AvailabilityTarget{}, wl(check.Unknown)))
	assert.Equal(t, check.Unknown, r.Valid)

	// Availability below its target invalidates a valid workload.
	hh := append(echoHistory(3, history.OK), echoHistory(1, history.Fail)...)
	r = New(parts(hh, check.AvailabilityTarget{Set: true, Total: true}, wl(check.Valid)))
	assert.Equal(t, check.Invalid, r.Availability.Validity())
	assert.Equal(t, check.Invalid, r.Valid)
}

func TestNodesSection(t *testing.T) {
	p := parts(echoHistory(3, history.OK), check.AvailabilityTarget{}, wl(check.Valid))
	p.Nodes = []process.Report{
		{Node: "n0"},
		{Node: "n1", Exited: true, ExitStatus: "exit status 3", StderrTail: []string{"panic: oops"}, StderrPath: "n1.stderr"},
		{Node: "n2", GarbageCount: 2, GarbageSample: []string{"hello world"}},
	}
	r := New(p)
	require.NotNil(t, r.Nodes)
	assert.Equal(t, []string{"n1"}, r.Nodes.Crashed)
	assert.Equal(t, []string{"n2"}, r.Nodes.Garbled)
	assert.Equal(t, check.Invalid, r.Nodes.Validity())
	assert.Equal(t, check.Invalid, r.Valid)
	var out bytes.Buffer
	require.NoError(t, Summary(&out, r))
	s := out.String()
	assert.Contains(t, s, "n1 exited early (exit status 3)")
	assert.Contains(t, s, "stderr| panic: oops")
	assert.Contains(t, s, "n2 printed 2 lines that are not messages")
	assert.Contains(t, s, "| hello world")

	// Garbage alone is enough.
	p.Nodes = []process.Report{{Node: "n0", GarbageCount: 1}}
	assert.Equal(t, check.Invalid, New(p).Valid)
}

func TestWriteReadRoundTrip(t *testing.T) {
	ms := 2.0
	net := netsim.Stats{All: netsim.Counts{MsgCount: 8, MsgsPerOp: &ms}, Dropped: 1}
	p := parts(echoHistory(4, history.OK), check.AvailabilityTarget{Set: true, Fraction: 0.5}, wl(check.Invalid))
	p.Net = &net
	p.Nodes = []process.Report{{Node: "n0"}}
	r := New(p)

	dir := t.TempDir()
	require.NoError(t, WriteFile(dir, r))
	back, err := ReadFile(dir)
	require.NoError(t, err)

	assert.Equal(t, check.Invalid, back.Valid)
	assert.Equal(t, check.Invalid, back.WorkloadValidity())
	assert.Equal(t, check.Invalid, back.Merge())
	assert.Equal(t, r.Stats, back.Stats)
	assert.Equal(t, r.Availability, back.Availability)
	assert.Equal(t, r.Net, back.Net)
	assert.Equal(t, r.Nodes, back.Nodes)
	assert.Equal(t, "echo", back.Test["workload"])
	raw, ok := back.Workload.(json.RawMessage)
	require.True(t, ok)
	assert.JSONEq(t, `{"valid?": false, "errors": []}`, string(raw))
	assert.Equal(t, r.Perf.Rate, back.Perf.Rate)
	assert.Equal(t, r.Perf.ByF, back.Perf.ByF)

	// The file reads like results.edn.
	var generic map[string]any
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, r))
	require.NoError(t, json.Unmarshal(buf.Bytes(), &generic))
	for _, k := range []string{"valid?", "workload", "stats", "availability", "net", "perf", "nodes"} {
		assert.Contains(t, generic, k)
	}
	assert.Equal(t, 1.0, generic["availability"].(map[string]any)["ok-fraction"])
	assert.Equal(t, true, generic["net"].(map[string]any)["valid?"])
	assert.Equal(t, 8.0, generic["net"].(map[string]any)["all"].(map[string]any)["msg-count"])

	// A results.json without a workload result reads as unknown.
	back, err = Read(strings.NewReader(`{"valid?": "unknown", "workload": null}`))
	require.NoError(t, err)
	assert.Nil(t, back.Workload)
	assert.Equal(t, check.Unknown, back.WorkloadValidity())
	_, err = Read(strings.NewReader(`{"valid?": 3}`))
	assert.Error(t, err)
}

func TestClosingAndExit(t *testing.T) {
	assert.Equal(t, "Everything looks good! ヽ(‘ー`)ノ", Closing(check.Valid))
	assert.Equal(t, "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻", Closing(check.Invalid))
	assert.Equal(t, "Errors occurred during analysis, but no anomalies found. ಠ~ಠ", Closing(check.Unknown))
	assert.Equal(t, []int{0, 1, 2}, []int{ExitCode(check.Valid), ExitCode(check.Invalid), ExitCode(check.Unknown)})
}

func TestAnalyse(t *testing.T) {
	h := echoHistory(4, history.OK)
	h = append(h, history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: "start-partition"})
	net := netsim.Stats{All: netsim.Counts{MsgCount: 10}, Servers: netsim.Counts{MsgCount: 2}}
	p, err := Analyse(h, check.AvailabilityTarget{Set: true, Total: true}, &net)
	require.NoError(t, err)
	require.NotNil(t, p.Net)
	require.NotNil(t, p.Net.All.MsgsPerOp)
	assert.Equal(t, 2.5, *p.Net.All.MsgsPerOp, "10 messages / 4 client invocations")
	assert.Equal(t, 0.5, *p.Net.Servers.MsgsPerOp)
	assert.Nil(t, net.All.MsgsPerOp, "the caller's stats are not modified")
	assert.Equal(t, 4, p.Stats.Count)
	assert.Equal(t, check.Valid, p.Availability.Validity())
	assert.Equal(t, 4, p.Perf.Count)

	p.Workload = wl(check.Valid)
	assert.Equal(t, check.Valid, New(p).Valid)
	p, err = Analyse(h, check.AvailabilityTarget{}, nil)
	require.NoError(t, err)
	assert.Nil(t, p.Net)
}

type explainedResult struct {
	echoResult
	why []string
}

func (e explainedResult) Explain() []string { return e.why }

func TestExplanationsReachResultsAndSummary(t *testing.T) {
	why := []string{"op 3 read 5, which nobody wrote.", "a second anomaly\nover two lines"}
	h := echoHistory(3, history.OK)
	r := New(parts(h, check.AvailabilityTarget{}, explainedResult{wl(check.Invalid).(echoResult), why}))
	assert.Equal(t, why, r.Explanations)

	var b bytes.Buffer
	require.NoError(t, Summary(&b, r))
	assert.Contains(t, b.String(), "\nWhy the workload is invalid:\n  - op 3 read 5, which nobody wrote.\n  - a second anomaly\n    over two lines\n"+
		"  (Ops are lines of history.jsonl; `harness report --from S --to S STORE_DIR` draws the messages around a time.)\n\nvalid? false\n",
		"the explanations come last, just before the verdict")

	var js bytes.Buffer
	require.NoError(t, Write(&js, r))
	back, err := Read(&js)
	require.NoError(t, err)
	assert.Equal(t, why, back.Explanations, "kept in results.json for index.html")

	// A valid result explains nothing, whatever it says.
	r = New(parts(h, check.AvailabilityTarget{}, explainedResult{wl(check.Valid).(echoResult), why}))
	assert.Empty(t, r.Explanations)
	b.Reset()
	require.NoError(t, Summary(&b, r))
	assert.NotContains(t, b.String(), "Why")

	// Many: the console shows the first MaxExplanations.
	many := make([]string, MaxExplanations+3)
	for i := range many {
		many[i] = "x"
	}
	r = New(parts(h, check.AvailabilityTarget{}, explainedResult{wl(check.Invalid).(echoResult), many}))
	b.Reset()
	require.NoError(t, Summary(&b, r))
	assert.Contains(t, b.String(), "... and 3 more (results.json, index.html)")
}

func TestNodeProblemsAreToldAndInvalidate(t *testing.T) {
	p := parts(echoHistory(3, history.OK), check.AvailabilityTarget{}, wl(check.Valid))
	sentence := "n0 stopped reading its input at 0.5 s; 184,000 messages to it were dropped"
	p.Nodes = []process.Report{{Node: "n0", InputDropped: 184000, Problems: []string{sentence}}, {Node: "n1"}}
	r := New(p)
	assert.Equal(t, check.Invalid, r.Nodes.Validity(), "a node that stopped reading is not OK")
	assert.Equal(t, []string{sentence}, r.Nodes.Problems)
	var out bytes.Buffer
	require.NoError(t, Summary(&out, r))
	assert.Contains(t, out.String(), "  "+sentence+"\n")
}

func TestInterruptedIsUnknownWhateverThePartsSay(t *testing.T) {
	p := parts(echoHistory(3, history.OK), check.AvailabilityTarget{}, wl(check.Invalid))
	p.Interrupted = true
	r := New(p)
	assert.Equal(t, check.Unknown, r.Valid)
	assert.True(t, r.Interrupted)
}
