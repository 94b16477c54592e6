package setfull

import (
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/internal/explaintest"
	"glomers/internal/scenario"
)

// TestExplanations pins the words a learner reads for every anomaly
// set-full reports (testdata/explain, in the op notation of
// testdata/scenarios; `explain` takes the same arguments as `check`).
func TestExplanations(t *testing.T) {
	explaintest.RunParsed(t, "testdata/explain", func(t *testing.T, in string) history.History { return scenario.Ops(t, in) }, func(t *testing.T, d *datadriven.TestData, h history.History) check.Result {
		var c Checker
		for _, a := range d.CmdArgs {
			switch a.Key {
			case "add":
				require.Len(t, a.Vals, 1)
				c.AddF = a.Vals[0]
			case "linearizable":
				c.Linearizable = true
			case "strict-duplicates":
				c.StrictDuplicates = true
			default:
				t.Fatalf("unknown argument %s", a.Key)
			}
		}
		return c.Check(h)
	})
}
