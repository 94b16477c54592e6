// Package pages writes what a reader opens after a test: the plots of a
// store directory and its index.html, a static page (no scripts from the
// network, no fonts, images by relative path) showing the verdict, the
// statistics, the workload checker's findings and the plots together,
// much as Jepsen's web view of a store does. A store's headline figures,
// one row per run, are package runrow's.
package pages

import (
	"encoding/json"
	"errors"
	"fmt"
	"glomers/harness/history"
	"os"
	"path/filepath"

	"glomers/harness/report"
	"glomers/harness/report/plot"
)

// The files WriteExtras writes into a store directory.
const (
	LatencyRawFile       = "latency-raw.png"
	LatencyQuantilesFile = "latency-quantiles.png"
	RateFile             = "rate.png"
	MessagesFile         = "messages.svg"
	IndexFile            = "index.html"
)

// WriteExtras writes the plots, the Lamport diagram and index.html into a
// store directory from its results.json, history.jsonl and
// net-journal.jsonl. It writes whatever it can: a missing history or
// journal leaves out its pictures (the page says so) and is reported in
// the returned error, which never concerns the verdict.
func WriteExtras(dir string) error {
	return WriteExtrasWith(dir, Options{})
}

// Options choose what WriteExtrasWith draws.
type Options struct {
	// Window is the stretch of the test messages.svg covers (zero: from
	// the start), so that the messages around an anomaly can be seen.
	Window plot.Window
	// Perf is the perf plots' data when the caller has it already (harness
	// test folds it in the report's pass over the history, see
	// plot.PerfFold); nil: it is read from history.jsonl.
	Perf *plot.Perf
}

// MaxWindowMessages caps messages.svg when a window is chosen: enough for
// a few seconds of a small test, few enough for a browser.
const MaxWindowMessages = 1000

// WriteExtrasWith is WriteExtras with options.
func WriteExtrasWith(dir string, opts Options) error {
	var errs []error
	res, err := report.ReadFile(dir)
	if err != nil {
		errs = append(errs, err)
	}
	title := filepath.Base(filepath.Clean(dir))
	if res != nil {
		if w, ok := res.Test["workload"].(string); ok {
			title = w
		}
	}
	page := pageData{Dir: dir, Results: res}
	if b, err := os.ReadFile(filepath.Join(dir, report.FileName)); err == nil {
		var raw struct {
			Test map[string]json.RawMessage `json:"test"`
		}
		if json.Unmarshal(b, &raw) == nil {
			page.TestRaw = raw.Test
		}
	}

	perf, err := perfOf(dir, opts.Perf)
	if err != nil {
		errs = append(errs, err)
	} else {
		page.Nemesis = perf.Nemesis
		if err := plot.WritePerf(dir, perf, title); err != nil {
			errs = append(errs, err)
		} else {
			page.Plots = []plotRef{
				{LatencyRawFile, "Latency of every operation (thinned to " + fmt.Sprint(plot.MaxRawPoints) + " points), by f and outcome"},
				{LatencyQuantilesFile, "Latency quantiles over time, by f"},
				{RateFile, "Completed operations per second, by f and outcome"},
			}
		}
	}

	limit := plot.MaxMessages
	if !opts.Window.IsZero() {
		limit = MaxWindowMessages
	}
	msgs, err := plot.ReadMessagesFileIn(filepath.Join(dir, "net-journal.jsonl"), opts.Window, limit)
	if err != nil {
		errs = append(errs, err)
	} else if len(msgs) > 0 {
		if err := writeFile(filepath.Join(dir, MessagesFile), func(f *os.File) error { return plot.LamportIn(f, msgs, opts.Window) }); err != nil {
			errs = append(errs, err)
		} else {
			page.Messages = MessagesFile
			page.MessageCount = len(msgs)
			if !opts.Window.IsZero() {
				page.MessageWindow = opts.Window.String()
			}
		}
	} else if !opts.Window.IsZero() {
		errs = append(errs, fmt.Errorf("no message was sent %s: messages.svg not drawn", opts.Window))
	}

	if err := writeFile(filepath.Join(dir, IndexFile), func(f *os.File) error { return writeIndex(f, page) }); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func perfOf(dir string, known *plot.Perf) (plot.Perf, error) {
	if known != nil {
		return *known, nil
	}
	return plot.PerfOf(history.File(filepath.Join(dir, "history.jsonl")))
}

func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
