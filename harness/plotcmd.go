package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"glomers/harness/report/pages"
	"glomers/harness/report/plot"
	"glomers/harness/report/runrow"
)

// The reading and drawing subcommands: `summary` (one run's headline
// figures, for scripts/challenges.sh and scripts/sweep.sh), `report`
// (redraw a store directory's plots and index.html) and `plot-sweep` (the
// chart of a sweep CSV).

const summaryUsage = `usage: harness summary [--format text|tsv|csv] [--header] STORE_DIR...
Prints each run's verdict and headline figures, read from STORE_DIR/results.json
or, for a real Maelstrom store, results.edn (with latencies from history.edn).
  text  one figure a line (default)
  tsv   verdict, server msgs-per-op, latency kind (stable|perf), latency median
        and max (ms), ok-fraction, store: the columns of scripts/challenges.sh
  csv   every figure (the columns of scripts/sweep.sh); --header prints the
        header line first (alone when no STORE_DIR is given)`

func summaryCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harness summary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, summaryUsage) }
	format := fs.String("format", "text", "text, tsv or csv")
	header := fs.Bool("header", false, "print a header line first (tsv, csv)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch *format {
	case "text", "tsv", "csv":
	default:
		fmt.Fprintf(stderr, "harness summary: unknown --format %q\n%s\n", *format, summaryUsage)
		return 2
	}
	if fs.NArg() == 0 && !*header {
		fmt.Fprintln(stderr, summaryUsage)
		return 2
	}
	if *header {
		switch *format {
		case "tsv":
			fmt.Fprintln(stdout, strings.Join(runrow.TSVHeader, "\t"))
		case "csv":
			runrow.WriteCSV(stdout, true)
		}
	}
	status := 0
	for _, dir := range fs.Args() {
		row, err := runrow.ReadRow(dir)
		if err != nil {
			fmt.Fprintln(stderr, "harness summary:", err)
			status = 2
			continue
		}
		switch *format {
		case "text":
			row.WriteText(stdout)
		case "tsv":
			row.WriteTSV(stdout)
		case "csv":
			runrow.WriteCSV(stdout, false, row)
		}
	}
	return status
}

const reportUsage = `usage: harness report [--from S] [--to S] STORE_DIR...
Redraws latency-raw.png, latency-quantiles.png, rate.png, messages.svg and
index.html in each store directory written by 'harness test'.
  --from S, --to S  the Lamport diagram (messages.svg) shows the messages sent
                    between these times, in seconds since the test started
                    (the times of the plots and history.jsonl); by default it
                    shows the first messages of the test`

func reportCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harness report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, reportUsage) }
	from := fs.Float64("from", 0, "window start, seconds")
	to := fs.Float64("to", 0, "window end, seconds (0: the end)")
	// Options may come after the store directories too (`harness report
	// store/latest --from 1`): parse, take one directory, parse the rest.
	var dirs []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		dirs, rest = append(dirs, rest[0]), rest[1:]
	}
	if len(dirs) == 0 {
		fmt.Fprintln(stderr, reportUsage)
		return 2
	}
	if *from < 0 || *to < 0 || (*to > 0 && *to < *from) || math.IsNaN(*from) || math.IsNaN(*to) {
		fmt.Fprintf(stderr, "harness report: --from %v --to %v is not a window (0 <= from <= to)\n%s\n", *from, *to, reportUsage)
		return 2
	}
	opts := pages.Options{Window: plot.Window{From: int64(*from * 1e9), To: int64(*to * 1e9)}}
	status := 0
	for _, dir := range dirs {
		if err := pages.WriteExtrasWith(dir, opts); err != nil {
			fmt.Fprintf(stderr, "harness report: %s: %v\n", dir, err)
			status = 2
		}
		fmt.Fprintf(stdout, "%s/%s\n", strings.TrimSuffix(dir, "/"), pages.IndexFile)
	}
	return status
}

const plotSweepUsage = `usage: harness plot-sweep [--series rate|concurrency|rate,concurrency] [--title T] SWEEP.csv OUT.png
Draws a sweep (the CSV of scripts/sweep.sh): server msgs-per-op, and median
and maximum latency, against node count, one line per series (default: rate,
and concurrency too when it varies). Invalid runs are ringed in red.`

func plotSweepCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harness plot-sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, plotSweepUsage) }
	seriesFlag := fs.String("series", "", "columns that name a line")
	title := fs.String("title", "", "chart title (default: the workload)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, plotSweepUsage)
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "harness plot-sweep:", err)
		return 2
	}
	rows, err := runrow.ReadCSV(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "harness plot-sweep: %s: %v\n", fs.Arg(0), err)
		return 2
	}
	pts, t := SweepPoints(rows, *seriesFlag)
	if *title != "" {
		t = *title
	}
	if err := plot.Sweep(fs.Arg(1), t, pts); err != nil {
		fmt.Fprintln(stderr, "harness plot-sweep:", err)
		return 2
	}
	fmt.Fprintln(stdout, fs.Arg(1))
	return 0
}

// SweepPoints turns sweep CSV rows into chart points. A line is named by
// the series columns: by default rate, plus concurrency when it varies
// (sweep-concurrency, the flag as given, when the CSV has it).
// Latency is the stable latency when the rows have it (broadcast), else
// the operation latency.
func SweepPoints(rows []map[string]string, series string) ([]plot.SweepPoint, string) {
	numOf := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return math.NaN()
		}
		return f
	}
	varies := func(col string) bool {
		for _, r := range rows {
			if r[col] != rows[0][col] {
				return true
			}
		}
		return false
	}
	var cols []string
	if series != "" {
		cols = strings.Split(series, ",")
	} else {
		cols = []string{"rate"}
		// scripts/sweep.sh records the --concurrency it gave (2n), which
		// stays the same while the resolved count grows with the nodes.
		conc := "concurrency"
		if len(rows) > 0 {
			if _, ok := rows[0]["sweep-concurrency"]; ok {
				conc = "sweep-concurrency"
			}
		}
		if len(rows) > 0 && varies(conc) {
			cols = append(cols, conc)
		}
	}
	title := ""
	var pts []plot.SweepPoint
	for _, r := range rows {
		if title == "" {
			title = r["workload"]
		}
		var name []string
		for _, c := range cols {
			name = append(name, strings.TrimPrefix(c, "sweep-")+" "+r[c])
		}
		med, mx := numOf(r["latency-p50"]), numOf(r["latency-max"])
		if s := numOf(r["stable-latency-median"]); !math.IsNaN(s) {
			med, mx = s, numOf(r["stable-latency-max"])
		}
		pts = append(pts, plot.SweepPoint{
			Series:    strings.Join(name, ", "),
			Nodes:     numOf(r["nodes"]),
			MsgsPerOp: numOf(r["msgs-per-op-servers"]),
			Median:    med,
			Max:       mx,
			Valid:     r["verdict"] == "true",
		})
	}
	if title == "" {
		title = "sweep"
	}
	return pts, title
}

// writeExtras draws a finished test's plots and index.html, from perf
// when the caller has folded it already (nil: from history.jsonl);
// failing to only earns a warning, as the verdict does not depend on them.
func writeExtras(dir string, perf *plot.Perf, stderr io.Writer) {
	if err := pages.WriteExtrasWith(dir, pages.Options{Perf: perf}); err != nil {
		fmt.Fprintln(stderr, "harness test: warning: the report pages are incomplete:", err)
	}
}
