// Package check holds what every workload checker shares: the three-valued
// verdict, and analyses that read any history (operation stats,
// availability, latency quantiles).
package check

import (
	"encoding/json"
	"fmt"
)

// Validity is Jepsen's :valid?: true, false or :unknown.
type Validity int

const (
	Valid Validity = iota
	Unknown
	Invalid
)

// Merge combines verdicts as Jepsen's checker/merge-valid does: false beats
// unknown, which beats true.
func Merge(vs ...Validity) Validity {
	out := Valid
	for _, v := range vs {
		if v > out {
			out = v
		}
	}
	return out
}

// Of turns a bool into a Validity.
func Of(ok bool) Validity {
	if ok {
		return Valid
	}
	return Invalid
}

func (v Validity) String() string {
	switch v {
	case Valid:
		return "true"
	case Invalid:
		return "false"
	default:
		return "unknown"
	}
}

// MarshalJSON writes true, false or "unknown", as Jepsen writes :valid?.
func (v Validity) MarshalJSON() ([]byte, error) {
	switch v {
	case Valid:
		return []byte("true"), nil
	case Invalid:
		return []byte("false"), nil
	default:
		return []byte(`"unknown"`), nil
	}
}

// UnmarshalJSON reads what MarshalJSON writes.
func (v *Validity) UnmarshalJSON(b []byte) error {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	switch x {
	case true:
		*v = Valid
	case false:
		*v = Invalid
	case "unknown":
		*v = Unknown
	default:
		return fmt.Errorf("bad validity %s", b)
	}
	return nil
}

// Result is what a checker returns: a JSON-able value that knows its
// verdict. Workload checkers return their own struct types, embedding
// Verdict and naming their fields (with json tags) as Maelstrom's
// results.edn names them, so results.json reads like results.edn.
type Result interface {
	Validity() Validity
}

// Verdict is the embeddable `valid?` field of every result.
type Verdict struct {
	Valid Validity `json:"valid?"`
}

// Validity returns the verdict.
func (v Verdict) Validity() Validity { return v.Valid }

// Explainer is implemented by results that can say in plain words why they
// are invalid, so that a learner sees the "why" beside the verdict (in the
// console summary and index.html). Each string is one anomaly's explanation,
// written for someone reading the history for the first time, e.g. "T1 < T2,
// because T1 wrote x = 3 and T2 read x = 3". A valid result explains nothing.
type Explainer interface {
	Explain() []string
}
