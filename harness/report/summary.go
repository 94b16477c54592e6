package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"glomers/harness/check"
)

// The closing lines Jepsen prints after the analysis (jepsen/src/jepsen/
// core.clj, log-results), which Maelstrom users know.
const (
	ClosingValid   = "Everything looks good! ヽ(‘ー`)ノ"
	ClosingInvalid = "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻"
	ClosingUnknown = "Errors occurred during analysis, but no anomalies found. ಠ~ಠ"
)

// Closing is the closing line for a verdict.
func Closing(v check.Validity) string {
	switch v {
	case check.Valid:
		return ClosingValid
	case check.Invalid:
		return ClosingInvalid
	default:
		return ClosingUnknown
	}
}

// Exit statuses. Jepsen's CLI (jepsen/src/jepsen/cli.clj) exits 0 when the
// test passed, 1 when it was invalid, 2 when its validity was :unknown,
// 254 for bad arguments and 255 when Jepsen itself failed. We keep 0, 1 and
// 2 and fold the last two into 2, as the harness's issue asks: "exit status
// 0 valid, 1 invalid, 2 error"; a caller can tell unknown from an error by
// the message printed before it.
const (
	ExitValid   = 0
	ExitInvalid = 1
	ExitUnknown = 2
	ExitError   = 2
)

// ExitCode maps a verdict to the exit status.
func ExitCode(v check.Validity) int {
	switch v {
	case check.Valid:
		return ExitValid
	case check.Invalid:
		return ExitInvalid
	default:
		return ExitUnknown
	}
}

// MaxWorkloadLines caps how many workload fields the summary shows; the
// whole of it is in results.json.
const MaxWorkloadLines = 40

// Summary prints Details and then the verdict and its closing line, as
// Jepsen ends a test.
func Summary(w io.Writer, r *Results) error {
	if err := Details(w, r); err != nil {
		return err
	}
	return Verdict(w, r)
}

// Verdict prints the overall verdict and Jepsen's closing line for it.
func Verdict(w io.Writer, r *Results) error {
	_, err := fmt.Fprintf(w, "\nvalid? %s\n\n%s\n", r.Valid, Closing(r.Valid))
	return err
}

// Details prints a readable account of r: each part's verdict and key
// figures, the workload result (abridged) and any error.
func Details(w io.Writer, r *Results) error {
	var b strings.Builder
	if name, ok := r.Test["workload"]; ok {
		fmt.Fprintf(&b, "Workload %v\n", name)
	}
	if s := r.Stats; s != nil {
		fmt.Fprintf(&b, "stats         %-7s %d ops: %d ok, %d fail, %d info\n",
			s.Validity(), s.Count, s.OKCount, s.FailCount, s.InfoCount)
		for _, f := range sortedKeys(s.ByF) {
			c := s.ByF[f]
			fmt.Fprintf(&b, "  %-11s %-7s %d ops: %d ok, %d fail, %d info\n",
				f, c.Validity(), c.Count, c.OKCount, c.FailCount, c.InfoCount)
		}
	}
	if a := r.Availability; a != nil {
		fmt.Fprintf(&b, "availability  %-7s ok-fraction %v\n", a.Validity(), a.OKFraction)
	}
	if n := r.Net; n != nil {
		fmt.Fprintf(&b, "net           %-7s all %d msgs%s, servers %d msgs%s, clients %d msgs\n",
			n.Validity(), n.All.MsgCount, perOp(n.All.MsgsPerOp), n.Servers.MsgCount,
			perOp(n.Servers.MsgsPerOp), n.Clients.MsgCount)
		if n.Dropped > 0 || n.Undeliverable > 0 {
			fmt.Fprintf(&b, "  dropped by partitions or dead nodes %d, undeliverable %d\n", n.Dropped, n.Undeliverable)
		}
	}
	if p := r.Perf; p != nil {
		fmt.Fprintf(&b, "latency       %-7s %d ops%s; rate %.1f/s (ok %.1f/s) over %.1f s\n",
			p.Validity(), p.Count, quantileText(p.Quantiles), p.Rate, p.OKRate, p.Duration)
		for _, f := range sortedKeys(p.ByF) {
			g := p.ByF[f]
			fmt.Fprintf(&b, "  %-11s         %d ops%s\n", f, g.Count, quantileText(g.Quantiles))
		}
	}
	if n := r.Nodes; n != nil {
		fmt.Fprintf(&b, "nodes         %-7s", n.Validity())
		if len(n.Crashed) == 0 && len(n.Garbled) == 0 && len(n.Problems) == 0 {
			fmt.Fprintf(&b, " %d nodes ran to the end\n", len(n.Reports))
		} else {
			b.WriteString("\n")
		}
		for _, rep := range n.Reports {
			if rep.Restarts > 0 {
				fmt.Fprintf(&b, "  %s was killed and restarted %d times by the nemesis\n", rep.Node, rep.Restarts)
			}
			problems := rep.Problems
			if len(problems) == 0 { // results written before problems were told in words
				if rep.Exited {
					problems = append(problems, fmt.Sprintf("%s exited early (%s)", rep.Node, rep.ExitStatus))
				}
				if rep.GarbageCount > 0 {
					problems = append(problems, fmt.Sprintf("%s printed %d lines that are not messages", rep.Node, rep.GarbageCount))
				}
			}
			for _, p := range problems {
				fmt.Fprintf(&b, "  %s\n", p)
			}
			for _, l := range rep.GarbageSample {
				fmt.Fprintf(&b, "    | %s\n", l)
			}
			if !rep.OK() {
				for _, l := range rep.StderrTail {
					fmt.Fprintf(&b, "    stderr| %s\n", l)
				}
				if rep.StderrPath != "" {
					fmt.Fprintf(&b, "    full stderr: %s\n", rep.StderrPath)
				}
			}
		}
	}
	fmt.Fprintf(&b, "workload      %s\n", r.WorkloadValidity())
	if r.Workload != nil {
		writeWorkload(&b, r.Workload)
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "\n%s\n", r.Error)
	}
	writeExplanations(&b, r.Explanations)
	_, err := io.WriteString(w, b.String())
	return err
}

// MaxExplanations caps how many explanations the console shows; all of
// them are in results.json and index.html.
const MaxExplanations = 10

// writeExplanations prints why the workload is invalid, in words, last,
// where the eye lands after the run.
func writeExplanations(b *strings.Builder, es []string) {
	if len(es) == 0 {
		return
	}
	b.WriteString("\nWhy the workload is invalid:\n")
	for i, e := range es {
		if i == MaxExplanations {
			fmt.Fprintf(b, "  ... and %d more (results.json, index.html)\n", len(es)-i)
			break
		}
		lines := strings.Split(e, "\n")
		fmt.Fprintf(b, "  - %s\n", lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "    %s\n", l)
		}
	}
	b.WriteString("  (Ops are lines of history.jsonl; `harness report --from S --to S STORE_DIR` draws the messages around a time.)\n")
}

// MaxValueWidth caps each workload field on the console; the whole of it
// is in results.json.
const MaxValueWidth = 160

// writeWorkload prints one line per field of the workload result, each
// value as compact JSON cut at MaxValueWidth, so a long list (a 3d run's
// stale elements) cannot push the counts that follow it off the screen.
func writeWorkload(b *strings.Builder, w any) {
	js, err := json.Marshal(w)
	if err != nil {
		return
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(js, &fields) != nil {
		fmt.Fprintf(b, "  %s\n", clip(string(js)))
		return
	}
	keys := sortedKeys(fields)
	lines := 0
	for _, k := range keys {
		if k == "valid?" {
			continue
		}
		if lines == MaxWorkloadLines {
			fmt.Fprintf(b, "  ... (%d more fields in %s)\n", len(keys)-1-lines, FileName)
			break
		}
		fmt.Fprintf(b, "  %-22s %s\n", k, clip(string(fields[k])))
		lines++
	}
}

func clip(s string) string {
	if len(s) <= MaxValueWidth {
		return s
	}
	return s[:MaxValueWidth] + fmt.Sprintf("... (%d bytes in %s)", len(s), FileName)
}

func perOp(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf(" (%.2f per op)", *p)
}

func quantileText(q check.Quantiles) string {
	if q == nil {
		return ""
	}
	return fmt.Sprintf(", latency ms min %.1f median %.1f p95 %.1f p99 %.1f max %.1f",
		q.Get(0), q.Get(0.5), q.Get(0.95), q.Get(0.99), q.Get(1))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
