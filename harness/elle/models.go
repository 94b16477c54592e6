package elle

import (
	"fmt"
	"sort"
	"strings"
)

// This file holds the consistency-model and anomaly lattices of Elle's
// elle/consistency_model.clj: which anomalies imply which
// (implied-anomalies), which models imply which (models), and which
// anomalies each model directly proscribes (direct-proscribed-anomalies).
// The checker uses them to decide which anomalies a requested model
// forbids, and to report the weakest models a history rules out ("not") and
// the stronger ones that fall with them ("also-not").

// dag is a directed acyclic graph over names, stored both ways.
type dag struct {
	out map[string][]string
	in  map[string][]string
}

func newDAG(m map[string][]string) dag {
	d := dag{out: map[string][]string{}, in: map[string][]string{}}
	for a, bs := range m {
		for _, b := range bs {
			d.out[a] = append(d.out[a], b)
			d.in[b] = append(d.in[b], a)
		}
	}
	return d
}

// reach returns the starting names and everything reachable from them
// along next (Elle's g/bfs, which includes the start).
func reach(next map[string][]string, start []string) map[string]bool {
	seen := map[string]bool{}
	stack := append([]string(nil), start...)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[x] {
			continue
		}
		seen[x] = true
		stack = append(stack, next[x]...)
	}
	return seen
}

// impliedAnomalies: a -> b when an anomaly a is also an instance of b.
var impliedAnomalies = newDAG(map[string][]string{
	"G0":          {"G1c", "G0-process"},
	"G0-process":  {"G1c-process", "G0-realtime"},
	"G0-realtime": {"G1c-realtime"},

	"G1a":          {"G1"},
	"G1b":          {"G1"},
	"G1c":          {"G1", "G1c-process"},
	"G1c-process":  {"G1c-realtime", "G1-process"},
	"G1c-realtime": {"G1-realtime"},
	"G1":           {"G1-process"},
	"G1-process":   {"G1-realtime"},

	"G-single-item":          {"G-single", "G-single-item-process", "G-nonadjacent-item"},
	"G-single-item-process":  {"G-single-process", "G-single-item-realtime", "G-nonadjacent-item-process"},
	"G-single-item-realtime": {"G-single-realtime", "G-nonadjacent-item-realtime"},

	"G-single":          {"G-nonadjacent", "GSIb", "G-single-process"},
	"G-single-process":  {"G-nonadjacent-process", "G-single-realtime"},
	"G-single-realtime": {"G-nonadjacent-realtime"},

	"G-nonadjacent-item":          {"G-nonadjacent", "G2-item", "G-nonadjacent-item-process"},
	"G-nonadjacent-item-process":  {"G-nonadjacent-process", "G2-item-process", "G-nonadjacent-item-realtime"},
	"G-nonadjacent-item-realtime": {"G2-item-realtime", "G-nonadjacent-realtime"},

	"G-nonadjacent":          {"G2", "G-nonadjacent-process"},
	"G-nonadjacent-process":  {"G2-process", "G-nonadjacent-realtime"},
	"G-nonadjacent-realtime": {"G2-realtime"},

	"G2":               {"G2-process"},
	"G2-item":          {"G2", "G2-item-process"},
	"G2-item-process":  {"G2-process", "G2-item-realtime"},
	"G2-item-realtime": {"G2-realtime"},
	"G2-process":       {"G2-realtime"},

	"GSIa": {"GSI"},
	"GSIb": {"GSI"},

	"incompatible-order": {"G1a"},
	"future-read":        {"G1c"},
	"dirty-update":       {"G1a"},
	"lost-update":        {"write-skew", "G2-item"},
	"write-skew":         {"G2"},
})

// canonicalModelNames maps the friendly names users type to Elle's
// canonical (Adya-style) names.
var canonicalModelNames = map[string]string{
	"consistent-view":                 "PL-2+",
	"conflict-serializable":           "PL-3",
	"cursor-stability":                "PL-CS",
	"forward-consistent-view":         "PL-FCV",
	"monotonic-snapshot-read":         "PL-MSR",
	"monotonic-view":                  "PL-2L",
	"read-committed":                  "PL-2",
	"read-uncommitted":                "PL-1",
	"repeatable-read":                 "PL-2.99",
	"serializable":                    "PL-3",
	"snapshot-isolation":              "PL-SI",
	"strict-serializable":             "PL-SS",
	"strong-serializable":             "PL-SS",
	"update-serializable":             "PL-3U",
	"strong-session-read-uncommitted": "strong-session-PL-1",
	"strong-session-read-committed":   "strong-session-PL-2",
	"strong-read-uncommitted":         "strong-PL-1",
	"strong-read-committed":           "strong-PL-2",
}

// friendlyModelNames reverses canonicalModelNames. Two friendly names share
// PL-3 and PL-SS; Elle picks serializable for PL-3 explicitly, and the real
// Maelstrom run Shresth72 ... 143430 (among the shared real runs) shows
// strong-serializable for PL-SS, so we use those.
var friendlyModelNames = func() map[string]string {
	m := map[string]string{}
	for f, c := range canonicalModelNames {
		m[c] = f
	}
	m["PL-3"] = "serializable"
	m["PL-SS"] = "strong-serializable"
	return m
}()

func canonicalModel(m string) string {
	if c, ok := canonicalModelNames[m]; ok {
		return c
	}
	return m
}

func friendlyModel(m string) string {
	if f, ok := friendlyModelNames[m]; ok {
		return f
	}
	return m
}

// models: a -> b when every history satisfying a satisfies b. Names are
// canonicalised when the graph is built, as Elle's map-vertices does.
var models = func() dag {
	raw := map[string][]string{
		"causal-cerone":               {"read-atomic"},
		"consistent-view":             {"cursor-stability", "monotonic-view"},
		"conflict-serializable":       {"view-serializable"},
		"cursor-stability":            {"read-committed", "PL-2"},
		"forward-consistent-view":     {"consistent-view"},
		"PL-2":                        {"PL-1"},
		"PL-3":                        {"repeatable-read", "update-serializable"},
		"update-serializable":         {"forward-consistent-view"},
		"monotonic-atomic-view":       {"read-committed"},
		"monotonic-view":              {"PL-2"},
		"monotonic-snapshot-read":     {"PL-2"},
		"parallel-snapshot-isolation": {"causal-cerone", "update-atomic"},
		"prefix":                      {"causal-cerone"},
		"read-atomic":                 {"monotonic-atomic-view"},
		"read-committed":              {"read-uncommitted"},
		"repeatable-read":             {"cursor-stability", "monotonic-atomic-view"},
		"update-atomic":               {"read-atomic"},
		"serializable":                {"repeatable-read", "snapshot-isolation", "view-serializable"},
		"session-serializable":        {"1SR"},
		"snapshot-isolation": {"forward-consistent-view", "monotonic-atomic-view",
			"monotonic-snapshot-read", "parallel-snapshot-isolation", "prefix"},
		"strict-serializable": {"PL-3", "serializable", "linearizable", "snapshot-isolation",
			"strong-snapshot-isolation", "strong-session-serializable"},
		"strong-session-PL-1":               {"PL-1"},
		"strong-session-PL-2":               {"PL-2", "strong-session-PL-1"},
		"strong-PL-1":                       {"strong-session-PL-1"},
		"strong-PL-2":                       {"strong-session-PL-2", "strong-PL-1"},
		"strong-session-serializable":       {"serializable", "strong-session-snapshot-isolation"},
		"strong-session-snapshot-isolation": {"snapshot-isolation", "strong-session-PL-2"},
		"strong-serializable":               {"session-serializable"},
		"strong-snapshot-isolation":         {"strong-session-snapshot-isolation", "strong-PL-2"},
		"linearizable":                      {"sequential"},
		"sequential":                        {"causal"},
		"causal":                            {"writes-follow-reads", "PRAM"},
		"PRAM":                              {"monotonic-reads", "monotonic-writes", "read-your-writes"},
	}
	canon := map[string][]string{}
	for a, bs := range raw {
		ca := canonicalModel(a)
		for _, b := range bs {
			canon[ca] = append(canon[ca], canonicalModel(b))
		}
	}
	return newDAG(canon)
}()

// directProscribed: model -> the anomalies it forbids beyond the models it
// implies.
var directProscribed = func() dag {
	raw := map[string][]string{
		"causal-cerone":               {"internal", "G1a"},
		"cursor-stability":            {"G1", "G-cursor", "lost-update"},
		"monotonic-view":              {"G1", "G-monotonic"},
		"monotonic-snapshot-read":     {"G1", "G-MSR"},
		"consistent-view":             {"G1", "G-single"},
		"forward-consistent-view":     {"G1", "G-SIb"},
		"parallel-snapshot-isolation": {"internal", "G1a"},
		"PL-3":                        {"G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"},
		"PL-2":                        {"G1", "PL-2-cycle-exists"},
		"PL-1":                        {"G0", "duplicate-elements", "cyclic-versions", "PL-1-cycle-exists"},
		"prefix":                      {"internal", "G1a"},
		"serializable":                {"internal"},
		"snapshot-isolation":          {"internal", "G1", "G-SI", "G-nonadjacent", "PL-SI-cycle-exists"},
		"read-atomic":                 {"internal", "G1a", "future-read"},
		"repeatable-read":             {"G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"},
		"update-atomic":               {"lost-update"},
		"strict-serializable":         {"G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"},
		"strong-session-PL-1":         {"strong-session-PL-1-cycle-exists", "G0-process"},
		"strong-session-PL-2":         {"strong-session-PL-2-cycle-exists", "G1c-process"},
		"strong-PL-1":                 {"strong-PL-1-cycle-exists", "G0-realtime"},
		"strong-PL-2":                 {"strong-PL-2-cycle-exists", "G1c-realtime"},
		"strong-session-snapshot-isolation": {"internal", "G1-process", "G-nonadjacent-process",
			"strong-session-snapshot-isolation-cycle-exists"},
		"strong-snapshot-isolation": {"internal", "G1-realtime", "G-nonadjacent-realtime",
			"strong-snapshot-isolation-cycle-exists"},
		"strong-session-serializable": {"G1-process", "G2-process", "strong-session-serializable-cycle-exists"},
		"update-serializable":         {"G1", "G-update"},
	}
	canon := map[string][]string{}
	for m, as := range raw {
		canon[canonicalModel(m)] = append(canon[canonicalModel(m)], as...)
	}
	return newDAG(canon)
}()

// allModels is every model name Elle knows: the vertices of the model
// lattice plus every friendly and canonical name. --consistency-models must
// name models from this set (Maelstrom validates with
// cm/friendly-model-name over cm/all-models).
var allModels = func() map[string]bool {
	s := map[string]bool{}
	for a, bs := range models.out {
		s[a] = true
		for _, b := range bs {
			s[b] = true
		}
	}
	for f, c := range canonicalModelNames {
		s[f] = true
		s[c] = true
	}
	return s
}()

// ValidateModels checks that every name is a model Elle knows.
func ValidateModels(names []string) error {
	var bad []string
	for _, n := range names {
		if !allModels[n] {
			bad = append(bad, n)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	known := make([]string, 0, len(allModels))
	for m := range allModels {
		known = append(known, friendlyModel(m))
	}
	known = uniqSorted(known)
	return fmt.Errorf("unknown consistency model(s) %s; known models: %s",
		strings.Join(bad, ", "), strings.Join(known, ", "))
}

func uniqSorted(xs []string) []string {
	sort.Strings(xs)
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// allAnomaliesImplying returns the anomalies which imply any of as
// (including as themselves).
func allAnomaliesImplying(as []string) map[string]bool {
	return reach(impliedAnomalies.in, as)
}

// allImpliedAnomalies returns as and every anomaly they imply.
func allImpliedAnomalies(as []string) map[string]bool {
	return reach(impliedAnomalies.out, as)
}

// anomaliesProhibitedBy returns the anomalies that cannot occur if every one
// of ms holds: the anomalies every implied model proscribes, and every
// anomaly implying one of those.
func anomaliesProhibitedBy(ms []string) map[string]bool {
	canon := make([]string, len(ms))
	for i, m := range ms {
		canon[i] = canonicalModel(m)
	}
	var direct []string
	for m := range reach(models.out, canon) {
		direct = append(direct, directProscribed.out[m]...)
	}
	return allAnomaliesImplying(direct)
}

// anomaliesToImpossibleModels returns the (canonical) models that cannot
// hold given that the anomalies as occurred.
func anomaliesToImpossibleModels(as []string) map[string]bool {
	var ms []string
	for a := range allImpliedAnomalies(as) {
		ms = append(ms, directProscribed.in[a]...)
	}
	return reach(models.in, ms)
}

// boundary is Elle's friendly-boundary: "not" holds the weakest impossible
// models, "also-not" the other impossible ones, both with friendly names.
func boundary(anomalyTypes []string) (not, alsoNot []string) {
	impossible := anomaliesToImpossibleModels(anomalyTypes)
	weakest := map[string]bool{}
	for m := range impossible {
		implied := reach(models.out, []string{m})
		covered := false
		for o := range implied {
			if o != m && impossible[o] {
				covered = true
				break
			}
		}
		if !covered {
			weakest[m] = true
		}
	}
	not, alsoNot = []string{}, []string{}
	for m := range impossible {
		if weakest[m] {
			not = append(not, friendlyModel(m))
		} else {
			alsoNot = append(alsoNot, friendlyModel(m))
		}
	}
	return uniqSorted(not), uniqSorted(alsoNot)
}
