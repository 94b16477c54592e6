package listappend

import (
	"glomers/harness/check"
	"glomers/harness/history"
)

// Result is the workload checker's verdict, named as Maelstrom's
// results.edn names the :workload map of a txn-list-append test.
type Result struct {
	check.Verdict
	AnomalyTypes []string       `json:"anomaly-types"`
	Anomalies    map[string]any `json:"anomalies,omitempty"`
	Not          []string       `json:"not,omitempty"`
	AlsoNot      []string       `json:"also-not,omitempty"`
	Error        string         `json:"error,omitempty"`
}

// CheckOptions configure the analysis.
type CheckOptions struct {
	// ConsistencyModels are the models the history must satisfy
	// (Maelstrom's --consistency-models; default strict-serializable).
	ConsistencyModels []string
}

// Check analyses a txn-list-append history. (Stub: the analysis is being
// written; until then the verdict is unknown.)
func Check(h history.History, opts CheckOptions) *Result {
	return &Result{Verdict: check.Verdict{Valid: check.Unknown}, AnomalyTypes: []string{},
		Error: "txn-list-append checker not written yet"}
}
