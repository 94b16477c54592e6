package kafka

import "glomers/harness/check"

// Jepsen's kafka stats-checker (jepsen/src/jepsen/tests/kafka.clj) wraps
// checker/stats, whose verdict is false (or unknown) when some :f has no ok
// operation. crash ops always complete as info, so that verdict would always
// fail; stats-checker turns the overall verdict to true when every :f other
// than crash and debug-topic-partitions is not false. Maelstrom applies it
// to every workload's :stats (src/maelstrom/core.clj), so the by-f entry of
// crash stays false while :stats as a whole is true, as in results.edn.

// StatsExempt reports whether stats-checker ignores f when judging :stats.
func StatsExempt(f string) bool {
	return f == "crash" || f == "debug-topic-partitions"
}

// StatsValidity returns the :stats verdict after stats-checker: valid when
// no by-f verdict of a non-exempt f is Invalid (Jepsen tests `every?
// :valid?`, for which :unknown counts as true), else the plain merge of
// every by-f verdict, as checker/stats computes it.
func StatsValidity(byF map[string]check.Validity) check.Validity {
	all := make([]check.Validity, 0, len(byF))
	ok := true
	for f, v := range byF {
		all = append(all, v)
		if !StatsExempt(f) && v == check.Invalid {
			ok = false
		}
	}
	if ok {
		return check.Valid
	}
	return check.Merge(all...)
}
