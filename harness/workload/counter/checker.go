package counter

import (
	"slices"

	"glomers/harness/check"
	"glomers/harness/history"
)

// Result is the counter checker's analysis, named as in Maelstrom's
// results.edn (pn_counter.clj's checker): the final reads, the acceptable
// values as closed [lower upper] ranges, and the final reads outside them.
type Result struct {
	check.Verdict
	Errors     []history.Op `json:"errors"`
	FinalReads []any        `json:"final-reads"`
	Acceptable []Range      `json:"acceptable"`
	// Note explains an unknown verdict.
	Note string `json:"note,omitempty"`
}

// Range is a closed interval of acceptable counter values, written [lo hi]
// as Maelstrom writes them.
type Range [2]int64

// maxRanges bounds the acceptable set. Small deltas keep it to a handful of
// ranges; only adversarial deltas could grow it toward 2^n, and then we
// answer unknown rather than run out of memory.
const maxRanges = 1 << 16

// Check verifies that every ok read marked final is the sum of all ok adds
// plus some subset of the indeterminate adds, as pn_counter.clj's checker
// does. Maelstrom keeps that set of sums as a Guava RangeSet of open ranges;
// we keep the same set as sorted, disjoint, non-adjacent closed integer
// ranges, which merge exactly where Guava's open ranges do.
//
// An add is indeterminate when it completed with info, and also (unlike
// Maelstrom, whose interpreter always completes an op) when the history
// ends before its completion. Failed adds count for nothing.
func Check(h history.History) *Result {
	var definite int64
	var maybe []int64
	for _, p := range h.Pairs() {
		if p.Invoke.F != "add" {
			continue
		}
		delta, ok := history.AsInt(p.Invoke.Value)
		if !ok {
			continue
		}
		switch p.Outcome() {
		case history.OK:
			definite += delta
		case history.Info:
			maybe = append(maybe, delta)
		}
	}

	res := &Result{FinalReads: []any{}}
	set := rangeSet{{definite, definite}}
	for _, d := range maybe {
		set = set.withShift(d)
		if len(set) > maxRanges {
			res.Valid = check.Unknown
			res.Note = "too many acceptable ranges to track"
			res.Acceptable = nil
			return res
		}
	}
	res.Acceptable = []Range(set)

	for _, o := range h {
		if !o.IsClient() || !o.Final || !o.IsOK() {
			continue
		}
		res.FinalReads = append(res.FinalReads, o.Value)
		v, ok := history.AsInt(o.Value)
		if !ok || !set.contains(v) {
			res.Errors = append(res.Errors, o)
		}
	}
	res.Valid = check.Of(len(res.Errors) == 0)
	return res
}

// rangeSet is a sorted list of disjoint closed ranges with gaps between
// them (adjacent ranges are merged).
type rangeSet []Range

// withShift returns s ∪ (s + d): every sum reachable with or without one
// more add of d.
func (s rangeSet) withShift(d int64) rangeSet {
	all := make([]Range, 0, 2*len(s))
	for _, r := range s {
		all = append(all, r, Range{r[0] + d, r[1] + d})
	}
	slices.SortFunc(all, func(a, b Range) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		}
		return 0
	})
	out := rangeSet{all[0]}
	for _, r := range all[1:] {
		last := &out[len(out)-1]
		if r[0] <= last[1]+1 {
			last[1] = max(last[1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s rangeSet) contains(v int64) bool {
	i, _ := slices.BinarySearchFunc(s, v, func(r Range, v int64) int {
		switch {
		case r[1] < v:
			return -1
		case r[0] > v:
			return 1
		}
		return 0
	})
	return i < len(s) && s[i][0] <= v && v <= s[i][1]
}
