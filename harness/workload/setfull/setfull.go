// Package setfull is Jepsen's set-full checker (jepsen/src/jepsen/checker.clj,
// `set-full`), shared by the workloads Maelstrom judges with it: broadcast
// (src/maelstrom/workload/broadcast.clj, which renames :broadcast to :add)
// and g-set (src/maelstrom/workload/g_set.clj, which calls it as is).
package setfull

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"glomers/harness/check"
	"glomers/harness/history"
)

// Checker is set-full (checker.clj: `set-full`, `SetFullElement`,
// `set-full-element-results`, `set-full-results`,
// `frequency-distribution`).
//
// For every element it follows the add and every ok read:
//   - known: the add's ok completion, or the completion of the first read
//     that saw the element, whichever came first in the history;
//   - last-present / last-absent: the invocation of the latest-invoked read
//     that saw / did not see the element.
//
// An element is stable when some read saw it and the last one that saw it
// was invoked after the last one that did not; lost when it was known, and
// the last read missing it was invoked after both the last read that saw
// it and the moment it became known; never-read otherwise. Stable latency
// is (last-absent invocation time + 1 ns, or 0) minus the known time,
// floored at 0 and truncated to whole milliseconds; lost latency likewise
// from the last-present invocation. Stale elements are stable ones with a
// positive stable latency.
type Checker struct {
	// AddF is the add operation's :f: "add" when empty (g-set),
	// "broadcast" for broadcast.
	AddF string
	// Linearizable makes stale elements invalidate the result
	// (set-full's :linearizable? option; Maelstrom leaves it false).
	Linearizable bool
	// StrictDuplicates reports elements that appear more than once in one
	// read. Jepsen's set-full means to, but its test is `(< v 1)` on a
	// frequency, which is never true, so it never reports any and
	// Maelstrom's results always say duplicated-count 0. Off by default to
	// match Maelstrom.
	StrictDuplicates bool
}

// Result is set-full's result map. Field names are set-full's keys;
// AcknowledgedCount is ours (the number of adds that completed ok), since
// set-full does not report it.
type Result struct {
	check.Verdict
	AttemptCount      int             `json:"attempt-count"`
	AcknowledgedCount int             `json:"acknowledged-count"`
	StableCount       int             `json:"stable-count"`
	LostCount         int             `json:"lost-count"`
	Lost              []any           `json:"lost"`
	NeverReadCount    int             `json:"never-read-count"`
	NeverRead         []any           `json:"never-read"`
	StaleCount        int             `json:"stale-count"`
	Stale             []any           `json:"stale"`
	WorstStale        []ElementResult `json:"worst-stale"`
	StableLatencies   Quantiles       `json:"stable-latencies,omitempty"`
	LostLatencies     Quantiles       `json:"lost-latencies,omitempty"`
	DuplicatedCount   int             `json:"duplicated-count"`
	Duplicated        map[string]int  `json:"duplicated"`

	// lost and linearizable feed Explain (explain.go).
	lost         []lostStory
	linearizable bool
}

// ElementResult is set-full-element-results for one element, as listed in
// worst-stale.
type ElementResult struct {
	Element       any         `json:"element"`
	Outcome       string      `json:"outcome"` // stable, lost or never-read
	StableLatency *int64      `json:"stable-latency"`
	LostLatency   *int64      `json:"lost-latency"`
	Known         *history.Op `json:"known"`
	LastAbsent    *history.Op `json:"last-absent"`
}

// QuantilePoints are the points set-full-results asks of
// frequency-distribution.
var QuantilePoints = []float64{0, 0.5, 0.95, 0.99, 1}

// Quantiles maps a quantile (0, 0.5, 0.95, 0.99, 1) to a latency in
// milliseconds. It is nil when there were no latencies, as set-full leaves
// the key out then.
type Quantiles map[float64]int64

// MarshalJSON writes the points as string keys "0", "0.5", ... in
// ascending order.
func (q Quantiles) MarshalJSON() ([]byte, error) {
	m := make(map[string]int64, len(q))
	for p, v := range q {
		m[formatPoint(p)] = v
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (q *Quantiles) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*q = Quantiles{}
	for k, v := range m {
		var p float64
		if _, err := fmt.Sscan(k, &p); err != nil {
			return fmt.Errorf("bad quantile %q: %w", k, err)
		}
		(*q)[p] = v
	}
	return nil
}

func formatPoint(p float64) string { return fmt.Sprint(p) }

// frequencyDistribution is Jepsen's frequency-distribution: sort, then take
// element min(n-1, floor(n*p)) for every point. Nil for no values.
func frequencyDistribution(points []float64, xs []int64) Quantiles {
	if len(xs) == 0 {
		return nil
	}
	s := append([]int64(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	n := len(s)
	q := Quantiles{}
	for _, p := range points {
		idx := int(math.Floor(float64(n) * p))
		if idx > n-1 {
			idx = n - 1
		}
		q[p] = s[idx]
	}
	return q
}

// elementState is SetFullElement.
type elementState struct {
	element     any
	known       *history.Op
	lastPresent *history.Op
	lastAbsent  *history.Op
	acked       bool
}

// elementKey makes a comparable map key of a normalised value: scalars are
// their own key; lists and maps go through JSON.
func elementKey(v any) any {
	switch v.(type) {
	case nil, bool, int64, float64, string:
		return v
	}
	b, _ := json.Marshal(v)
	return "json:" + string(b)
}

// Check runs the analysis over h's client operations in history order.
func (c Checker) Check(h history.History) Result {
	addF := c.AddF
	if addF == "" {
		addF = "add"
	}
	elements := map[any]*elementState{}
	pendingRead := map[int]history.Op{} // process -> read invocation
	dups := map[any]int{}
	dupElem := map[any]any{}
	for i := range h {
		op := h[i]
		if !op.IsClient() {
			continue
		}
		switch op.F {
		case addF:
			k := elementKey(op.Value)
			if op.IsInvoke() {
				elements[k] = &elementState{element: op.Value}
				continue
			}
			if e := elements[k]; e != nil && op.IsOK() {
				e.acked = true
				if e.known == nil {
					o := op
					e.known = &o
				}
			}
		case "read":
			if op.IsInvoke() {
				pendingRead[op.Process] = op
				continue
			}
			inv, hasInv := pendingRead[op.Process]
			delete(pendingRead, op.Process)
			if !op.IsOK() {
				continue
			}
			if !hasInv {
				// Jepsen would find no invocation and fail; treat the
				// completion as its own invocation.
				inv = op
			}
			seen := map[any]int{}
			vals, _ := history.AsList(op.Value)
			for _, v := range vals {
				k := elementKey(v)
				seen[k]++
				if _, ok := dupElem[k]; !ok {
					dupElem[k] = v
				}
			}
			if c.StrictDuplicates {
				for k, n := range seen {
					if n > 1 && n > dups[k] {
						dups[k] = n
					}
				}
			}
			o, iv := op, inv
			for k, e := range elements {
				if seen[k] > 0 {
					if e.known == nil {
						e.known = &o
					}
					if e.lastPresent == nil || e.lastPresent.Index < iv.Index {
						e.lastPresent = &iv
					}
				} else if e.lastAbsent == nil || e.lastAbsent.Index < iv.Index {
					e.lastAbsent = &iv
				}
			}
		}
	}

	states := make([]*elementState, 0, len(elements))
	for _, e := range elements {
		states = append(states, e)
	}
	sort.Slice(states, func(i, j int) bool { return lessValue(states[i].element, states[j].element) })

	res := Result{
		Lost:       []any{},
		NeverRead:  []any{},
		Stale:      []any{},
		WorstStale: []ElementResult{},
		Duplicated: map[string]int{},
	}
	var stale []ElementResult
	var stableLat, lostLat []int64
	for _, e := range states {
		r := elementResult(e)
		res.AttemptCount++
		if e.acked {
			res.AcknowledgedCount++
		}
		switch r.Outcome {
		case "stable":
			res.StableCount++
			if *r.StableLatency > 0 {
				stale = append(stale, r)
				res.Stale = append(res.Stale, r.Element)
			}
		case "lost":
			res.LostCount++
			res.Lost = append(res.Lost, r.Element)
		default:
			res.NeverReadCount++
			res.NeverRead = append(res.NeverRead, r.Element)
		}
		if r.StableLatency != nil {
			stableLat = append(stableLat, *r.StableLatency)
		}
		if r.LostLatency != nil {
			lostLat = append(lostLat, *r.LostLatency)
		}
	}
	res.StaleCount = len(stale)
	// worst-stale: (->> stale (sort-by :stable-latency) reverse (take 8)).
	ws := append([]ElementResult(nil), stale...)
	sort.SliceStable(ws, func(i, j int) bool { return *ws[i].StableLatency < *ws[j].StableLatency })
	for i := len(ws) - 1; i >= 0 && len(res.WorstStale) < 8; i-- {
		res.WorstStale = append(res.WorstStale, ws[i])
	}
	res.StableLatencies = frequencyDistribution(QuantilePoints, stableLat)
	res.LostLatencies = frequencyDistribution(QuantilePoints, lostLat)

	switch {
	case res.LostCount > 0:
		res.Valid = check.Invalid
	case res.StableCount == 0:
		res.Valid = check.Unknown
	case c.Linearizable && res.StaleCount > 0:
		res.Valid = check.Invalid
	default:
		res.Valid = check.Valid
	}
	for k, n := range dups {
		res.Duplicated[fmt.Sprint(dupElem[k])] = n
	}
	res.DuplicatedCount = len(dups)
	if len(dups) > 0 {
		// (and (empty? dups) valid?)
		res.Valid = check.Invalid
	}
	res.lost = lostStories(h, addF, res.Lost, MaxLostExplained)
	res.linearizable = c.Linearizable
	return res
}

// elementResult is set-full-element-results.
func elementResult(e *elementState) ElementResult {
	idx := func(o *history.Op) int {
		if o == nil {
			return -1
		}
		return o.Index
	}
	stable := e.lastPresent != nil && idx(e.lastAbsent) < idx(e.lastPresent)
	lost := e.known != nil && e.lastAbsent != nil &&
		idx(e.lastPresent) < idx(e.lastAbsent) &&
		e.known.Index < e.lastAbsent.Index
	r := ElementResult{Element: e.element, Known: e.known, LastAbsent: e.lastAbsent}
	ms := func(from int64) *int64 {
		d := from - e.known.Time
		if d < 0 {
			d = 0
		}
		v := d / 1_000_000
		return &v
	}
	switch {
	case stable:
		r.Outcome = "stable"
		var t int64
		if e.lastAbsent != nil {
			t = e.lastAbsent.Time + 1
		}
		r.StableLatency = ms(t)
	case lost:
		r.Outcome = "lost"
		var t int64
		if e.lastPresent != nil {
			t = e.lastPresent.Time + 1
		}
		r.LostLatency = ms(t)
	default:
		r.Outcome = "never-read"
	}
	return r
}

// lessValue orders normalised values as Clojure's compare does for the
// kinds a set holds: numbers numerically, strings lexically; numbers sort
// before strings, and anything else after, by its printed form.
func lessValue(a, b any) bool {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra < rb
	}
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return x < y
		case float64:
			return float64(x) < y
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return x < float64(y)
		case float64:
			return x < y
		}
	case string:
		return x < b.(string)
	}
	return fmt.Sprint(a) < fmt.Sprint(b)
}

func rank(v any) int {
	switch v.(type) {
	case int64, float64:
		return 0
	case string:
		return 1
	}
	return 2
}
