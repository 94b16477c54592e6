package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/report"
	"glomers/internal/testbin"
)

// The store directories under harness/report/pages/testdata serve here too.
const pagesTestdata = "report/pages/testdata"

func TestSummaryCommand(t *testing.T) {
	gc := filepath.Join(pagesTestdata, "gcounter-partition")
	bc := filepath.Join(pagesTestdata, "broadcast")

	code, out, errOut := runCLI("summary", "--format", "tsv", "--header", gc, bc)
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, "verdict\tmsgs-per-op-servers\tlatency\tlatency-median-ms\tlatency-max-ms\tok-fraction\tstore", lines[0])
	g := strings.Split(lines[1], "\t")
	assert.Equal(t, []string{"true", "perf"}, []string{g[0], g[2]})
	assert.Equal(t, gc, g[6])
	b := strings.Split(lines[2], "\t")
	assert.Equal(t, "stable", b[2], "broadcast rows carry stable latency")

	code, out, _ = runCLI("summary", gc)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "workload:              g-counter")
	assert.Contains(t, out, "valid?:                true")
	assert.Contains(t, out, "latency (ms) perf:")

	code, out, _ = runCLI("summary", "--format", "csv", "--header")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "workload,nodes,concurrency,rate,"), out)
	code, out, _ = runCLI("summary", "--format", "csv", gc)
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "g-counter,3,"), out)

	code, _, errOut = runCLI("summary", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "neither results.json nor results.edn")
	code, _, _ = runCLI("summary", "--format", "xml", gc)
	assert.Equal(t, 2, code)
	code, _, _ = runCLI("summary")
	assert.Equal(t, 2, code)
}

func TestSummaryOfMaelstromStore(t *testing.T) {
	// A real Maelstrom store: results.edn and history.edn only.
	dir := filepath.Join(t.TempDir(), "store", "broadcast", "20250602T135944.081-0400")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, f := range []string{"results.edn", "history.edn"} {
		b, err := os.ReadFile(filepath.Join(pagesTestdata, "maelstrom-broadcast", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	code, out, errOut := runCLI("summary", "--format", "tsv", dir)
	require.Equal(t, 0, code, errOut)
	f := strings.Split(strings.TrimSpace(out), "\t")
	assert.Equal(t, []string{"false", "4.449761", "perf"}, f[:3])
}

func TestPlotSweepCommand(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "sweep.csv")
	var rows []string
	code, header, _ := runCLI("summary", "--format", "csv", "--header")
	require.Equal(t, 0, code)
	rows = append(rows, "sweep-concurrency,"+strings.TrimSpace(header))
	for _, r := range []string{
		"2n,kafka,1,2,100,10,true,3,1,0.1,0.5,1,2,9,,,99,99,1,0.5,12,store/a",
		"2n,kafka,2,4,100,10,true,5,3,0.1,0.6,1,2,9,,,99,99,1,0.5,12,store/b",
		"2n,kafka,1,2,1000,10,false,3,1,0.1,0.5,1,2,9,,,99,99,1,0.5,12,store/c",
		"2n,kafka,2,4,1000,10,error,,,,,,,,,,,,,,,",
	} {
		rows = append(rows, r)
	}
	require.NoError(t, os.WriteFile(csv, []byte(strings.Join(rows, "\n")+"\n"), 0o644))
	png := filepath.Join(dir, "sweep.png")
	code, out, errOut := runCLI("plot-sweep", csv, png)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, png+"\n", out)
	fi, err := os.Stat(png)
	require.NoError(t, err)
	assert.Greater(t, fi.Size(), int64(1000))

	code, _, _ = runCLI("plot-sweep", csv)
	assert.Equal(t, 2, code)
	code, _, _ = runCLI("plot-sweep", filepath.Join(dir, "none.csv"), png)
	assert.Equal(t, 2, code)
}

func TestSweepPointsSeries(t *testing.T) {
	rows := []map[string]string{
		{"workload": "kafka", "sweep-concurrency": "2n", "concurrency": "2", "nodes": "1", "rate": "100",
			"msgs-per-op-servers": "1.5", "latency-p50": "2", "latency-max": "9", "verdict": "true"},
		{"workload": "kafka", "sweep-concurrency": "2n", "concurrency": "4", "nodes": "2", "rate": "100",
			"msgs-per-op-servers": "", "stable-latency-median": "300", "stable-latency-max": "500", "verdict": "false"},
	}
	pts, title := SweepPoints(rows, "")
	assert.Equal(t, "kafka", title)
	require.Len(t, pts, 2)
	assert.Equal(t, "rate 100", pts[0].Series, "2n does not vary, though the resolved count does")
	assert.Equal(t, 1.5, pts[0].MsgsPerOp)
	assert.Equal(t, 2.0, pts[0].Median)
	assert.True(t, pts[0].Valid)
	assert.True(t, math.IsNaN(pts[1].MsgsPerOp))
	assert.Equal(t, 300.0, pts[1].Median, "stable latency preferred")
	assert.Equal(t, 500.0, pts[1].Max)
	assert.False(t, pts[1].Valid)

	rows[1]["sweep-concurrency"] = "4n"
	pts, _ = SweepPoints(rows, "")
	assert.Equal(t, "rate 100, concurrency 4n", pts[1].Series)
	pts, _ = SweepPoints(rows, "nodes")
	assert.Equal(t, "nodes 2", pts[1].Series)
}

func TestReportCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, f := range []string{"results.json", "history.jsonl", "net-journal.jsonl"} {
		b, err := os.ReadFile(filepath.Join(pagesTestdata, "broadcast", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	code, out, errOut := runCLI("report", dir)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, dir+"/index.html\n", out)
	for _, f := range []string{"index.html", "latency-raw.png", "latency-quantiles.png", "rate.png", "messages.svg"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	code, _, _ = runCLI("report")
	assert.Equal(t, 2, code)

	// A window late in the test: the diagram shows the messages sent in it.
	code, _, errOut = runCLI("report", "--from", "2.5", "--to", "3", dir)
	require.Equal(t, 0, code, errOut)
	svg, err := os.ReadFile(filepath.Join(dir, "messages.svg"))
	require.NoError(t, err)
	assert.Contains(t, string(svg), "messages sent from 2.500 s to 3.000 s")
	assert.NotContains(t, string(svg), ">init<", "the init handshake is before the window")
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "messages sent from 2.500 s to 3.000 s:")

	// Options after the directory work too.
	code, _, errOut = runCLI("report", dir, "--from", "2.5", "--to", "3")
	require.Equal(t, 0, code, errOut)
	svg, err = os.ReadFile(filepath.Join(dir, "messages.svg"))
	require.NoError(t, err)
	assert.Contains(t, string(svg), "messages sent from 2.500 s to 3.000 s")

	code, _, errOut = runCLI("report", "--from", "100", dir)
	assert.Equal(t, 2, code, "an empty window is reported")
	assert.Contains(t, errOut, "no message was sent from 100.000 s to the end")
	code, _, _ = runCLI("report", "--from", "3", "--to", "1", dir)
	assert.Equal(t, 2, code, "a window that ends before it starts")
}

// harness test draws its pages from the perf data it folds in the
// report's pass over the history; `harness report` redraws them from the
// stored files. Both give the same files, for a workload whose history is
// kept in memory (echo) and one read back from the store (kafka), with
// nemesis intervals on the plots.
func TestTestPagesMatchRedrawnPages(t *testing.T) {
	for _, w := range []struct{ workload, bin string }{{"echo", "./echo"}, {"kafka", "./kafka"}} {
		t.Run(w.workload, func(t *testing.T) {
			bin := testbin.Build(t, w.bin)
			store := t.TempDir()
			code, out, errOut := runCLI("test", "-w", w.workload, "--bin", bin, "--node-count", "2", "--time-limit", "2",
				"--rate", "50", "--nemesis", "partition", "--nemesis-interval", "0.5", "--store", store)
			require.Equal(t, 0, code, "%s\n%s", out, errOut)
			dir, err := filepath.EvalSymlinks(filepath.Join(store, "latest"))
			require.NoError(t, err)
			files := []string{"latency-raw.png", "latency-quantiles.png", "rate.png", "index.html"}
			first := map[string][]byte{}
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(dir, f))
				require.NoError(t, err)
				first[f] = b
			}
			// The shared analyses in results.json (folded in the kafka
			// checker's pass) are what a pass of their own finds.
			res, err := report.ReadFile(dir)
			require.NoError(t, err)
			parts, err := report.Analyse(history.File(filepath.Join(dir, "history.jsonl")), check.AvailabilityTarget{}, nil)
			require.NoError(t, err)
			assert.Equal(t, parts.Stats, res.Stats)
			assert.Equal(t, parts.Perf, res.Perf)

			code, _, errOut = runCLI("report", dir)
			require.Equal(t, 0, code, errOut)
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(dir, f))
				require.NoError(t, err)
				assert.True(t, bytes.Equal(first[f], b), "%s differs once redrawn from the store", f)
			}
		})
	}
}
