package elle

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"glomers/harness/check"
	"glomers/harness/history"
)

// cycleTypes are the anomaly names the cycle search can report
// (elle.txn/cycle-types, without the predicate variants).
var cycleTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, b := range []string{"G0", "G1c", "G-single-item", "G-single", "G-nonadjacent-item",
		"G-nonadjacent", "G2-item", "G2"} {
		m[b] = true
		m[b+"-process"] = true
		m[b+"-realtime"] = true
	}
	return m
}()

// UnknownAnomalyTypes are reported whatever the models, and make a verdict
// unknown rather than false (elle.txn/unknown-anomaly-types).
var UnknownAnomalyTypes = []string{"empty-transaction-graph", "cycle-search-timeout"}

// Models is a set of consistency models a history must satisfy, with what
// Elle derives from them.
type Models struct {
	Names []string
	// Prohibited are the anomalies the models forbid
	// (elle.txn/prohibited-anomaly-types); Reportable adds the unknown
	// ones (reportable-anomaly-types).
	Prohibited, Reportable map[string]bool
	// Order is the extra order the cycle search needs: RelRealtime when a
	// reportable anomaly is a -realtime one, else RelProcess when one is a
	// -process one, else 0 (elle.txn/additional-graphs).
	Order uint8
}

// NewModels validates the names (Maelstrom's default, strict-serializable,
// when there are none) and derives what they forbid.
func NewModels(names []string) (*Models, error) {
	if len(names) == 0 {
		names = []string{"strict-serializable"}
	}
	if err := ValidateModels(names); err != nil {
		return nil, err
	}
	m := &Models{Names: names, Prohibited: anomaliesProhibitedBy(names), Reportable: map[string]bool{}}
	for a := range m.Prohibited {
		m.Reportable[a] = true
	}
	for _, a := range UnknownAnomalyTypes {
		m.Reportable[a] = true
	}
	for a := range m.Reportable {
		switch {
		case !cycleTypes[a]:
		case strings.HasSuffix(a, "-realtime"):
			m.Order = RelRealtime
		case strings.HasSuffix(a, "-process") && m.Order == 0:
			m.Order = RelProcess
		}
	}
	return m, nil
}

// CheckOptions configure a transactional analysis.
type CheckOptions struct {
	// ConsistencyModels are the models the history must satisfy
	// (Maelstrom's --consistency-models; default strict-serializable).
	ConsistencyModels []string
}

// Start begins a transactional analysis: the models opts name, and the
// transactions parse reads from h's client operations. A non-nil *Result
// is the unknown verdict to return instead, for bad models or a history
// the analysis refuses (as Jepsen reports a checker that throws).
func Start[T any](h history.History, opts CheckOptions, parse func(history.History) ([]T, error)) (*Models, []T, *Result) {
	ms, err := NewModels(opts.ConsistencyModels)
	if err != nil {
		return nil, nil, Errorf("%v", err)
	}
	txns, err := parse(h.Client())
	if err != nil {
		return nil, nil, Errorf("%v", err)
	}
	return ms, txns, nil
}

// Result is an Elle transactional checker's verdict, named as Maelstrom's
// results.edn names the :workload map of a txn test.
type Result struct {
	check.Verdict
	// AnomalyTypes lists (sorted) the reported anomaly types.
	AnomalyTypes []string `json:"anomaly-types"`
	// Anomalies holds the cases of each reported anomaly type.
	Anomalies map[string]any `json:"anomalies,omitempty"`
	// Not names the weakest models the history rules out; AlsoNot the
	// stronger ones that fall with them. Both count every anomaly found,
	// reported or not.
	Not     []string `json:"not,omitempty"`
	AlsoNot []string `json:"also-not,omitempty"`
	// Error explains an unknown verdict (a history Elle cannot analyse).
	Error string `json:"error,omitempty"`
}

// Errorf is an unknown verdict for a history that cannot be analysed.
func Errorf(format string, args ...any) *Result {
	return &Result{Verdict: check.Verdict{Valid: check.Unknown}, AnomalyTypes: []string{},
		Error: fmt.Sprintf(format, args...)}
}

// Wrapper names what a checker does to Elle's result map before it is
// reported.
type Wrapper int

const (
	// AsElle reports the result map as Elle makes it (list-append:
	// Maelstrom passes Elle's result through unchanged).
	AsElle Wrapper = iota
	// MaelstromRW is Maelstrom's txn-rw-register checker
	// (src/maelstrom/workload/txn_rw_register.clj, checker): it drops
	// cycle-search-timeout, and anything still reported makes the history
	// invalid, prohibited by the models or not. Its results carry a
	// boundary (Not, AlsoNot) whenever any anomaly was found, reported or
	// not: Elle's cycle search times out on all but tiny rw-register
	// histories, and that reported timeout is what gives Maelstrom's
	// results their boundary; this search never times out.
	MaelstromRW
)

// ResultMap is elle.txn/result-map, wrapped as w says: the anomalies the
// models make reportable, minus cycle-exists cases that other anomalies
// already explain; valid when there are none, false when one is
// prohibited, unknown otherwise (only unknown types such as
// empty-transaction-graph). Not and AlsoNot are the models ruled out by
// every anomaly found, reported or not, and are given only when something
// was reported.
func (m *Models) ResultMap(anomalies map[string]any, w Wrapper) *Result {
	all := sortedKeys(anomalies)
	var rep []string
	bad := false
	for _, a := range all {
		if m.Reportable[a] {
			rep = append(rep, a)
		}
	}
	drop := removeRedundantCycleExists(rep)
	if w == MaelstromRW {
		drop["cycle-search-timeout"] = true
	}
	res := &Result{AnomalyTypes: []string{}}
	for _, a := range rep {
		if drop[a] {
			continue
		}
		if m.Prohibited[a] {
			bad = true
		}
		res.AnomalyTypes = append(res.AnomalyTypes, a)
		if res.Anomalies == nil {
			res.Anomalies = map[string]any{}
		}
		res.Anomalies[a] = anomalies[a]
	}
	switch {
	case w == MaelstromRW:
		res.Valid = check.Of(len(res.AnomalyTypes) == 0)
		if len(all) > 0 {
			res.Not, res.AlsoNot = boundary(all)
		}
		return res
	case len(res.AnomalyTypes) == 0:
		res.Valid = check.Valid
		return res
	case bad:
		res.Valid = check.Invalid
	default:
		res.Valid = check.Unknown
	}
	res.Not, res.AlsoNot = boundary(all)
	return res
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Explain says in words why the result is invalid (check.Explainer): one
// string per reported case, in anomaly-type order. A case explains itself
// when it has an Explain() string method; others are summarised by type.
func (r *Result) Explain() []string {
	if r.Valid == check.Valid {
		return nil
	}
	var out []string
	if r.Error != "" {
		out = append(out, r.Error)
	}
	for _, typ := range r.AnomalyTypes {
		v := reflect.ValueOf(r.Anomalies[typ])
		if v.Kind() != reflect.Slice {
			out = append(out, anomalyOnly(typ))
			continue
		}
		for i := 0; i < v.Len(); i++ {
			if e, ok := v.Index(i).Interface().(interface{ Explain() string }); ok {
				out = append(out, e.Explain())
			} else {
				out = append(out, anomalyOnly(typ))
			}
		}
	}
	return out
}

func anomalyOnly(typ string) string {
	if typ == "empty-transaction-graph" {
		return "empty-transaction-graph: no dependency relates any two transactions, so there was nothing to analyse."
	}
	return typ + " was found."
}
