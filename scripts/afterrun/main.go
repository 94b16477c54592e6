// Command afterrun times what `harness test` does after a run, on a store
// a kafka (or any streamed-workload) run left: the workload's checker, the
// shared analyses with the perf plots' data, and the pages. It runs the
// steps the way the harness does now (its own history read unvalidated,
// one pass for the analyses and the plots' data) and the way it did before
// (every pass validating every line, the shared analyses and the plots
// each reading the history once more), alternately, and prints the CPU
// time of each step.
//
//	go run ./scripts/afterrun [-reps 3] [-only before|now] [-profile cpu.out] STORE_DIR
//
// scripts/afterrun.sh sets it beside an older commit's build.
//
// The store is not changed: the pages are written into a temporary copy
// of its directory (history.jsonl and net-journal.jsonl linked, not
// copied).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/registry"
	"glomers/harness/report"
	"glomers/harness/report/pages"
	"glomers/harness/report/plot"
	"glomers/harness/workload"
	"glomers/internal/cputime"
)

func main() {
	reps := flag.Int("reps", 3, "runs of each way")
	profile := flag.String("profile", "", "write a CPU profile of the new way's runs here")
	only := flag.String("only", "", "run only this way (before or now)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: afterrun [-reps N] [-profile FILE] STORE_DIR")
		os.Exit(2)
	}
	dir := flag.Arg(0)
	res, err := report.ReadFile(dir)
	if err != nil {
		fail(err)
	}
	name, _ := res.Test["workload"].(string)
	factory, ok := registry.Get(name)
	if !ok {
		fail(fmt.Errorf("unknown workload %q", name))
	}
	wl, err := factory(workload.Options{Rand: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		fail(err)
	}
	sc, ok := wl.(workload.SourceChecker)
	if !ok {
		fail(fmt.Errorf("workload %s keeps its history in memory: nothing to time here", name))
	}
	work, err := os.MkdirTemp("", "afterrun-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(work)
	for _, f := range []string{"history.jsonl", "net-journal.jsonl", "test.json", report.FileName} {
		abs, _ := filepath.Abs(filepath.Join(dir, f))
		if err := os.Symlink(abs, filepath.Join(work, f)); err != nil {
			fail(err)
		}
	}
	hist := filepath.Join(work, "history.jsonl")

	var prof *os.File
	if *profile != "" {
		if prof, err = os.Create(*profile); err != nil {
			fail(err)
		}
	}
	ways := []string{"before", "now"}
	if *only != "" {
		ways = []string{*only}
	}
	fmt.Println("way\tcheck-ms\tanalyse-ms\tpages-ms\ttotal-ms")
	for r := 0; r < *reps; r++ {
		for _, way := range ways {
			var src history.Source = history.File(hist)
			if way == "now" {
				src = history.WrittenFile(hist)
				if prof != nil {
					pprof.StartCPUProfile(prof)
				}
			}
			var perf *plot.Perf
			var c, a time.Duration
			if way == "before" {
				c = step(func() error { _, err := sc.CheckSource(src); return err })
				a = step(func() error { _, err := report.Analyse(src, check.AvailabilityTarget{}, nil); return err })
			} else {
				// The shared analyses and the plots' data ride in the
				// checker's last pass when it can carry them, as in
				// run.Run; their cost is then in check-ms.
				f := plot.NewPerfFold()
				shared := report.NewSharedFold(f.Add)
				if ps, ok := sc.(workload.PassSharer); ok {
					c = step(func() error { _, err := ps.CheckSourceSharing(src, shared.Add); return err })
					a = step(func() error { shared.Parts(check.AvailabilityTarget{}, nil); return nil })
				} else {
					c = step(func() error { _, err := sc.CheckSource(src); return err })
					a = step(func() error { _, err := report.Analyse(src, check.AvailabilityTarget{}, nil, f.Add); return err })
				}
				p := f.Result()
				perf = &p
			}
			p := step(func() error { return pages.WriteExtrasWith(work, pages.Options{Perf: perf}) })
			if way == "now" && prof != nil {
				pprof.StopCPUProfile()
				prof.Close()
				prof = nil
			}
			fmt.Printf("%s\t%.0f\t%.0f\t%.0f\t%.0f\n", way, ms(c), ms(a), ms(p), ms(c+a+p))
		}
	}
}

// step returns the CPU time fn took (the process's, user and system).
func step(fn func() error) time.Duration {
	c0, _ := cputime.Process()
	if err := fn(); err != nil {
		fail(err)
	}
	c1, _ := cputime.Process()
	return c1 - c0
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "afterrun:", err)
	os.Exit(1)
}
