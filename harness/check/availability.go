package check

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"glomers/harness/history"
)

// AvailabilityTarget is Maelstrom's --availability: none (always valid),
// total (every request must succeed), or a lower bound on the fraction of
// requests that succeed.
type AvailabilityTarget struct {
	Total bool
	// Fraction is the bound when Set and not Total.
	Fraction float64
	// Set is false for no target.
	Set bool
}

// String gives the flag's form: "", "total" or the fraction.
func (a AvailabilityTarget) String() string {
	switch {
	case !a.Set:
		return ""
	case a.Total:
		return "total"
	default:
		return strconv.FormatFloat(a.Fraction, 'g', -1, 64)
	}
}

// ParseAvailability reads --availability as Maelstrom's core.clj does:
// "total", or a number from 0 to 1 (Clojure reads ratios such as 9/10 too).
// The empty string is no target.
func ParseAvailability(s string) (AvailabilityTarget, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return AvailabilityTarget{}, nil
	case "total", ":total":
		return AvailabilityTarget{Set: true, Total: true}, nil
	}
	var f float64
	if strings.Contains(s, "/") {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return AvailabilityTarget{}, fmt.Errorf("--availability %q: must be either 'total' or a number between 0 and 1", s)
		}
		f, _ = r.Float64()
	} else {
		var err error
		f, err = strconv.ParseFloat(s, 64)
		if err != nil {
			return AvailabilityTarget{}, fmt.Errorf("--availability %q: must be either 'total' or a number between 0 and 1", s)
		}
	}
	if f < 0 || f > 1 {
		return AvailabilityTarget{}, fmt.Errorf("--availability %q: must be either 'total' or a number between 0 and 1", s)
	}
	return AvailabilityTarget{Set: true, Fraction: f}, nil
}

// AvailabilityResult is Maelstrom's :availability result.
type AvailabilityResult struct {
	Verdict
	// OKFraction is ok completions / invocations, a single-precision float
	// as Maelstrom's (float ...) makes it, so it prints as results.edn does
	// (0.9997759).
	OKFraction float32 `json:"ok-fraction"`
}

// Availability is Maelstrom's availability-checker
// (src/maelstrom/checker.clj): the fraction of invocations that completed
// ok (1 when there were none), valid when it meets the target. Only client
// operations count; Jepsen counts every :invoke and :ok in the history, which
// is the same thing because Jepsen records nemesis operations as :info.
func Availability(h history.History, target AvailabilityTarget) AvailabilityResult {
	var f AvailabilityFold
	for i := range h {
		f.Add(&h[i])
	}
	return f.Result(target)
}

// AvailabilityFold computes Availability op by op.
type AvailabilityFold struct{ oks, invokes int }

// Add counts one op.
func (f *AvailabilityFold) Add(o *history.Op) {
	if !o.IsClient() {
		return
	}
	switch o.Type {
	case history.Invoke:
		f.invokes++
	case history.OK:
		f.oks++
	}
}

// Result is Availability of the ops added so far.
func (f *AvailabilityFold) Result(target AvailabilityTarget) AvailabilityResult {
	res := AvailabilityResult{Verdict: Verdict{Valid: Valid}, OKFraction: 1}
	if f.invokes > 0 {
		res.OKFraction = float32(float64(f.oks) / float64(f.invokes))
	}
	switch {
	case !target.Set:
	case target.Total:
		res.Valid = Of(res.OKFraction == 1)
	default:
		res.Valid = Of(target.Fraction <= float64(res.OKFraction))
	}
	return res
}
