// Package explaintest drives the tests that pin, word for word, how each
// checker explains its anomalies (check.Explainer), from datadriven files.
package explaintest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/internal/scenario"
)

// CheckFunc checks the history of one explanation case; d gives access to
// the case's arguments (e.g. a key count) when the checker needs them.
type CheckFunc func(t *testing.T, d *datadriven.TestData, h history.History) check.Result

// Run runs the datadriven files under dir (`go test -rewrite`
// rewrites their expectations; review the diff). Each case is
//
//	explain
//	<history, as JSON lines; # lines are comments>
//	----
//	valid? false
//	- <first explanation>
//	- <second explanation>
//
// so a file pins the exact wording a learner reads. Ops get their index
// from their line, and 1 ms steps of time when none of them has a time. A
// case whose verdict is invalid but which explains nothing fails: every
// invalid verdict must say why.
func Run(t *testing.T, dir string, checkFn CheckFunc) {
	t.Helper()
	RunParsed(t, dir, func(t *testing.T, input string) history.History { return scenario.Parse(t, input) }, checkFn)
}

// Checker runs the files under testdata/explain against a checker that
// needs nothing but the history: a package's whole explanation test is
// then one line, explaintest.Checker(t, Check).
func Checker[R check.Result](t *testing.T, checkFn func(history.History) R) {
	t.Helper()
	Run(t, "testdata/explain", func(_ *testing.T, _ *datadriven.TestData, h history.History) check.Result {
		return checkFn(h)
	})
}

// RunParsed is Run for files that write histories in a package's own
// compact notation, read by parse.
func RunParsed(t *testing.T, dir string, parse func(t *testing.T, input string) history.History, checkFn CheckFunc) {
	t.Helper()
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			require.Equal(t, "explain", d.Cmd, "%s: unknown command", d.Pos)
			h := parse(t, d.Input)
			timed := false
			for _, o := range h {
				timed = timed || o.Time != 0
			}
			for i := range h {
				h[i].Index = i
				if !timed {
					h[i].Time = int64(i) * 1_000_000
				}
			}
			res := checkFn(t, d, h)
			var out []string
			if e, ok := res.(check.Explainer); ok && res.Validity() != check.Valid {
				out = e.Explain()
			}
			if res.Validity() == check.Invalid {
				require.NotEmpty(t, out, "%s: an invalid verdict that explains nothing", d.Pos)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "valid? %s\n", res.Validity())
			for _, e := range out {
				fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(e, "\n", "\n  "))
			}
			return b.String()
		})
	})
}
