package counter

import (
	"testing"

	"github.com/cockroachdb/datadriven"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/internal/explaintest"
)

// TestExplanations pins the words a learner reads for each final read out
// of range (testdata/explain).
func TestExplanations(t *testing.T) {
	explaintest.Run(t, "testdata/explain", func(t *testing.T, d *datadriven.TestData, h history.History) check.Result {
		return Check(h)
	})
}
