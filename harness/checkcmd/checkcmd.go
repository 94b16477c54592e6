// Package checkcmd is `harness check --workload W STORE_DIR`: it reads a
// test's stored history (a real Maelstrom store's history.edn, or our own
// history.jsonl), runs the workload's checker, the stats and availability
// checkers and the latency summary on it, prints our verdict beside the one
// in the store's results.edn when there is one, and exits with our
// verdict's status.
//
// It enters the harness where `harness test` leaves the run: at the
// history. Maelstrom's net statistics come from its message journal, which
// a store does not keep in a readable form, so they are not recomputed.
package checkcmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"glomers/harness/check"
	"glomers/harness/cli"
	"glomers/harness/history"
	"glomers/harness/report"
	"glomers/harness/workload"
)

// Lookup builds the named workload for the given options; the CLI passes
// the workload registry.
type Lookup func(name string, opts workload.Options) (workload.Workload, error)

// FromRegistry adapts a registry lookup such as registry.Get to a Lookup.
func FromRegistry(get func(name string) (workload.Factory, bool)) Lookup {
	return func(name string, opts workload.Options) (workload.Workload, error) {
		f, ok := get(name)
		if !ok {
			return nil, fmt.Errorf("unknown workload %q", name)
		}
		return f(opts)
	}
}

// Options are `harness check`'s flags. Empty fields are taken from the
// store (see loadSettings).
type Options struct {
	Workload          string
	Availability      string
	AvailabilitySet   bool
	ConsistencyModels string
	NodeCount         int
	// ResultsFile, when set, receives our results.json.
	ResultsFile string
}

// Outcome is what one check found.
type Outcome struct {
	Dir      string
	Settings Settings
	// AvailabilityFrom says where the availability target came from.
	AvailabilityFrom string
	History          history.History
	Results          *report.Results
	// Maelstrom is the store's results.edn in the normalised value form,
	// nil when the store has none.
	Maelstrom map[string]any
	// Rows compare our figures with Maelstrom's (empty without results.edn).
	Rows []Row
}

// Check reads the run stored in dir and analyses it.
func Check(dir string, o Options, lookup Lookup) (*Outcome, error) {
	out := &Outcome{Dir: dir}
	h, err := history.ReadStoreHistory(dir)
	if err != nil {
		return nil, err
	}
	out.History = h

	if f, err := os.Open(filepath.Join(dir, "results.edn")); err == nil {
		v, err := history.ReadEDNValue(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "results.edn"), err)
		}
		out.Maelstrom, _ = history.AsMap(v)
	}

	s, err := loadSettings(dir)
	if err != nil {
		return nil, err
	}
	out.AvailabilityFrom = s.Source
	if o.Workload != "" {
		s.Workload = o.Workload
	}
	if o.AvailabilitySet {
		s.Availability = o.Availability
		out.AvailabilityFrom = "--availability"
	}
	if s.Availability == "" && out.AvailabilityFrom != "--availability" {
		out.AvailabilityFrom = "none given"
	}
	if o.ConsistencyModels != "" {
		s.ConsistencyModels = cli.SplitList(o.ConsistencyModels)
	}
	if o.NodeCount > 0 {
		s.Nodes = cli.NodeIDs(o.NodeCount)
	}
	out.Settings = s
	if s.Workload == "" {
		return nil, errors.New("no workload: pass --workload (the store does not name it)")
	}
	target, err := check.ParseAvailability(s.Availability)
	if err != nil {
		return nil, err
	}

	parts, err := report.Analyse(h, target, nil)
	if err != nil {
		return nil, err
	}
	parts.Test = map[string]any{
		"workload":     s.Workload,
		"store":        dir,
		"availability": s.Availability,
	}
	res, err := runWorkload(s, h, lookup)
	if err != nil {
		parts.Error = err.Error()
	} else {
		parts.Workload = res
	}
	out.Results = report.New(parts)
	if out.Maelstrom != nil {
		out.Rows = Compare(out.Results, out.Maelstrom)
	}
	return out, nil
}

// runWorkload builds the workload and runs its checker, turning a panic
// into an error as Jepsen's check-safe turns an exception into :unknown.
func runWorkload(s Settings, h history.History, lookup Lookup) (res check.Result, err error) {
	if lookup == nil {
		return nil, errors.New("no workload registry")
	}
	opts, err := s.Options()
	if err != nil {
		return nil, err
	}
	wl, err := lookup(s.Workload, opts)
	if err != nil {
		return nil, fmt.Errorf("workload %s: %w", s.Workload, err)
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("workload %s checker failed: %v", s.Workload, r)
		}
	}()
	return wl.Check(h), nil
}

// Row is one figure, ours beside Maelstrom's.
type Row struct {
	What   string
	Ours   string
	Theirs string
	Agree  bool
}

// Compare lines up our verdicts and figures with results.edn's: the
// overall, workload, stats and availability verdicts, the stats counts of
// every :f, and the availability ok-fraction. Parts missing on their side
// (old Maelstrom versions have no :availability) are left out.
func Compare(ours *report.Results, theirs map[string]any) []Row {
	var rows []Row
	add := func(what, o, t string) {
		rows = append(rows, Row{What: what, Ours: o, Theirs: t, Agree: o == t})
	}
	add("valid?", ours.Valid.String(), validText(theirs["valid?"]))
	add("workload valid?", ours.WorkloadValidity().String(), validText(history.Get(theirs["workload"], "valid?")))
	if st, ok := history.AsMap(theirs["stats"]); ok && ours.Stats != nil {
		add("stats valid?", ours.Stats.Validity().String(), validText(st["valid?"]))
		add("stats count/ok/fail/info", countsText(ours.Stats.Counts), countsOf(st))
		theirByF, _ := history.AsMap(st["by-f"])
		fs := map[string]bool{}
		for f := range theirByF {
			fs[f] = true
		}
		for f := range ours.Stats.ByF {
			fs[f] = true
		}
		for _, f := range sortedKeys(fs) {
			o, t := "-", "-"
			if c, ok := ours.Stats.ByF[f]; ok {
				o = c.Validity().String() + " " + countsText(c)
			}
			if c, ok := history.AsMap(theirByF[f]); ok {
				t = validText(c["valid?"]) + " " + countsOf(c)
			}
			add("  "+f, o, t)
		}
	}
	if av, ok := history.AsMap(theirs["availability"]); ok && ours.Availability != nil {
		add("availability valid?", ours.Availability.Validity().String(), validText(av["valid?"]))
		t := "-"
		if f, ok := av["ok-fraction"]; ok {
			t = fractionText(f)
		}
		add("availability ok-fraction", fractionText(ours.Availability.OKFraction), t)
	}
	return rows
}

// Agree reports whether every compared figure matches.
func (o *Outcome) Agree() bool {
	for _, r := range o.Rows {
		if !r.Agree {
			return false
		}
	}
	return true
}

func validText(v any) string {
	switch v {
	case true:
		return "true"
	case false:
		return "false"
	case nil:
		return "-"
	}
	return fmt.Sprint(v)
}

func countsText(c check.Counts) string {
	return fmt.Sprintf("%d/%d/%d/%d", c.Count, c.OKCount, c.FailCount, c.InfoCount)
}

func countsOf(m map[string]any) string {
	n := func(k string) int64 { i, _ := history.AsInt(m[k]); return i }
	return fmt.Sprintf("%d/%d/%d/%d", n("count"), n("ok-count"), n("fail-count"), n("info-count"))
}

// fractionText prints an ok-fraction at single precision, as Maelstrom
// computes and prints it, so equal fractions print alike.
func fractionText(v any) string {
	var f float64
	switch x := v.(type) {
	case float32:
		f = float64(x)
	case float64:
		f = x
	case int64:
		f = float64(x)
	default:
		return fmt.Sprint(v)
	}
	return strconv.FormatFloat(float64(float32(f)), 'g', -1, 32)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Print writes our analysis, the comparison with results.edn, and the
// verdict with Jepsen's closing line.
func (o *Outcome) Print(w io.Writer) error {
	var b strings.Builder
	s := o.Settings
	fmt.Fprintf(&b, "Checking %s (%d ops)\n", o.Dir, len(o.History))
	if s.Source != "" {
		fmt.Fprintf(&b, "settings from %s", s.Source)
		if s.CommandLine != "" {
			fmt.Fprintf(&b, ": %s", s.CommandLine)
		}
		b.WriteString("\n")
	}
	avail := s.Availability
	if avail == "" {
		avail = "none"
	}
	fmt.Fprintf(&b, "availability target: %s (%s)\n\n", avail, o.AvailabilityFrom)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if err := report.Details(w, o.Results); err != nil {
		return err
	}
	b.Reset()
	if o.Maelstrom == nil {
		b.WriteString("\nno results.edn in the store: nothing to compare with\n")
	} else {
		fmt.Fprintf(&b, "\n%-28s %-22s %-22s\n", "compared with results.edn", "ours", "maelstrom")
		for _, r := range o.Rows {
			mark := ""
			if !r.Agree {
				mark = "  <- differs"
			}
			fmt.Fprintf(&b, "%-28s %-22s %-22s%s\n", r.What, r.Ours, r.Theirs, mark)
		}
		b.WriteString("(net statistics are not compared: they come from Maelstrom's message journal)\n")
		if o.Agree() {
			b.WriteString("Agrees with Maelstrom.\n")
		} else {
			b.WriteString("DISAGREES with Maelstrom.\n")
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return report.Verdict(w, o.Results)
}

// Main runs `harness check` with args (after the subcommand) and returns
// the exit status: our verdict's (0 valid, 1 invalid, 2 unknown), or 2 for
// a bad command line or an unreadable store.
func Main(args []string, stdout, stderr io.Writer, lookup Lookup) int {
	fs := flag.NewFlagSet("harness check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.StringVar(&o.Workload, "workload", "", "the workload whose checker to run (default: from the store's command line)")
	fs.StringVar(&o.Workload, "w", "", "short for --workload")
	fs.StringVar(&o.Availability, "availability", "", "total or a fraction from 0 to 1 (default: from the store's command line, else none)")
	fs.StringVar(&o.ConsistencyModels, "consistency-models", "", "comma-separated consistency models (txn-rw-register, txn-list-append)")
	fs.IntVar(&o.NodeCount, "node-count", 0, "number of nodes (default: from the store)")
	fs.StringVar(&o.ResultsFile, "results", "", "write our results.json to this file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: harness check [--workload W] [--availability total|FRACTION] STORE_DIR")
		fmt.Fprintln(stderr, "Re-checks a stored test (a Maelstrom store's history.edn, or ours) and compares with its results.edn.")
		fs.PrintDefaults()
	}
	flags, dirs := splitArgs(args)
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return report.ExitValid
		}
		return report.ExitError
	}
	dirs = append(dirs, fs.Args()...)
	if len(dirs) != 1 {
		fmt.Fprintln(stderr, "harness check: expected one STORE_DIR")
		fs.Usage()
		return report.ExitError
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "availability" {
			o.AvailabilitySet = true
		}
	})
	out, err := Check(dirs[0], o, lookup)
	if err != nil {
		fmt.Fprintf(stderr, "harness check: %v\n", err)
		return report.ExitError
	}
	if o.ResultsFile != "" {
		if err := writeResults(o.ResultsFile, out.Results); err != nil {
			fmt.Fprintf(stderr, "harness check: %v\n", err)
			return report.ExitError
		}
	}
	if err := out.Print(stdout); err != nil {
		fmt.Fprintf(stderr, "harness check: %v\n", err)
		return report.ExitError
	}
	return report.ExitCode(out.Results.Valid)
}

func writeResults(path string, r *report.Results) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := report.Write(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// splitArgs lets the store directory come before or between flags, as
// Maelstrom's tools.cli allows.
func splitArgs(args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(positional, args[i+1:]...)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && !isBoolFlag(a) {
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	return flags, positional
}

func isBoolFlag(a string) bool {
	switch strings.TrimLeft(a, "-") {
	case "h", "help":
		return true
	}
	return false
}
