#!/usr/bin/env bash
# After-run benchmark: the CPU harness test spends after a run (the
# workload's checker, the shared analyses, the plots and pages), on a store
# a kafka run left, for the current tree and an older commit, side by side.
#
#   scripts/afterrun.sh STORE_DIR [REPS]
#
#   OLD=commit   the build compared against (default 33ccffe, main before
#                this work); OLD= (empty) runs the current tree only
#
# The current tree runs scripts/afterrun (its "now" way: the steps as
# harness test runs them); the old commit runs the same steps as harness
# test ran them there: kafka's CheckSource, report.Analyse and
# pages.WriteExtras, each reading history.jsonl. One line per run: check,
# analyses and pages, in CPU milliseconds. The store is not changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
store=$(cd "$1" && pwd)
reps=${2:-3}
old=${OLD-33ccffe}

work=$(mktemp -d "${TMPDIR:-/tmp}/afterrun-XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/new" ./scripts/afterrun)
if [ -n "$old" ]; then
	mkdir -p "$work/src-old/oldafter"
	(cd "$root" && git archive "$old") | tar -x -C "$work/src-old"
	cat >"$work/src-old/oldafter/main.go" <<'GO'
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/report"
	"glomers/harness/report/pages"
	"glomers/harness/workload/kafka"
	"glomers/internal/cputime"
)

func step(fn func() error) time.Duration {
	c0, _ := cputime.Process()
	if err := fn(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c1, _ := cputime.Process()
	return c1 - c0
}

func main() {
	work, err := os.MkdirTemp("", "oldafter-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(work)
	for _, f := range []string{"history.jsonl", "net-journal.jsonl", "test.json", "results.json"} {
		if err := os.Symlink(filepath.Join(os.Args[1], f), filepath.Join(work, f)); err != nil {
			panic(err)
		}
	}
	src := history.File(filepath.Join(work, "history.jsonl"))
	c := step(func() error { _, err := kafka.CheckSource(src); return err })
	a := step(func() error { _, err := report.Analyse(src, check.AvailabilityTarget{}, nil); return err })
	p := step(func() error { return pages.WriteExtras(work) })
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	fmt.Printf("old\t%.0f\t%.0f\t%.0f\t%.0f\n", ms(c), ms(a), ms(p), ms(c+a+p))
}
GO
	(cd "$work/src-old" && go build -o "$work/old" ./oldafter)
fi
echo -e "way\tcheck-ms\tanalyse-ms\tpages-ms\ttotal-ms"
for _ in $(seq "$reps"); do
	[ -n "$old" ] && "$work/old" "$store"
	"$work/new" -reps 1 -only now "$store" | tail -n +2
done
