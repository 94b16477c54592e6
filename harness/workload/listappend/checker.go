package listappend

import (
	"glomers/harness/elle"
	"glomers/harness/history"
)

// Result is the workload checker's verdict, named as Maelstrom's
// results.edn names the :workload map of a txn-list-append test; it
// explains itself (check.Explainer).
type Result = elle.Result

// CheckOptions configure the analysis.
type CheckOptions = elle.CheckOptions

// Check analyses a txn-list-append history as elle.list-append/check does
// (Maelstrom passes its result through unchanged): the non-cycle anomalies
// (G1a, G1b, internal, future-read, dirty-update, duplicate-elements,
// incompatible-order, lost-update), then the cycles of the ww/wr/rw graph,
// with the realtime or process order when the models need it, and Elle's
// result map. A history Elle refuses (micro-ops other than r and append,
// an element appended twice, a read of an element nobody appended) is
// unknown, as Jepsen reports a checker that throws.
func Check(h history.History, opts CheckOptions) *Result {
	ms, txns, unknown := elle.Start(h, opts, parseHistory)
	if unknown != nil {
		return unknown
	}
	if err := verifyUniqueAppends(txns); err != nil {
		return elle.Errorf("%v", err)
	}
	anomalies := map[string]any{}
	add := func(typ string, n int, cases any) {
		if n > 0 {
			anomalies[typ] = cases
		}
	}
	g1a := g1aCases(txns)
	add("G1a", len(g1a), g1a)
	g1b := g1bCases(txns)
	add("G1b", len(g1b), g1b)
	internal, future := internalCases(txns)
	add("internal", len(internal), internal)
	add("future-read", len(future), future)

	// Dirty updates are sought in the version orders of every read in the
	// history; the rest only in those of ok and info txns.
	all := sortedValues(txns, true, func(*txn) bool { return true })
	dirty, err := dirtyUpdateCases(appendIndex(all), txns)
	if err != nil {
		return elle.Errorf("%v", err)
	}
	add("dirty-update", len(dirty), dirty)
	possible := func(t *txn) bool { return t.vertex >= 0 }
	dups := duplicates(txns)
	add("duplicate-elements", len(dups), dups)
	sv := sortedValues(txns, false, possible)
	incompatible := incompatibleOrders(sv)
	add("incompatible-order", len(incompatible), incompatible)
	lost := lostUpdateCases(txns)
	add("lost-update", len(lost), lost)

	dg := buildDepGraph(txns, appendIndex(sv), ms.Order)
	if dg.size == 0 {
		anomalies["empty-transaction-graph"] = true
	}
	indices := make([]int, len(dg.vertices))
	for i, t := range dg.vertices {
		indices[i] = t.comp.Index
	}
	elle.AddCycleAnomalies(anomalies, dg.g, ms.Order, indices, elle.ListAppendOrder, dg.ops, dg.explainStep)
	return ms.ResultMap(anomalies, elle.AsElle)
}
