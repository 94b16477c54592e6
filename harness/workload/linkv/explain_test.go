package linkv

import (
	"testing"

	"glomers/internal/explaintest"
)

// TestExplanations pins the words a learner reads for each anomaly the
// checker reports (testdata/explain).
func TestExplanations(t *testing.T) { explaintest.Checker(t, Check) }
