package check

import (
	"glomers/harness/history"
)

// Counts are the completion counts of Jepsen's stats checker for one :f or
// for the whole history.
type Counts struct {
	Verdict
	Count     int `json:"count"`
	OKCount   int `json:"ok-count"`
	FailCount int `json:"fail-count"`
	InfoCount int `json:"info-count"`
}

// StatsResult is Jepsen's :stats result: overall counts plus counts by :f.
type StatsResult struct {
	Counts
	ByF map[string]Counts `json:"by-f"`
}

// alwaysCrashing are the :f values Maelstrom excuses from the stats
// verdict: jepsen.tests.kafka/stats-checker, which Maelstrom's core.clj wraps
// around the stats checker of every workload, ignores :crash (kafka's client
// crashes, which always end in :info) and :debug-topic-partitions.
var alwaysCrashing = []string{"crash", "debug-topic-partitions"}

// Stats is Jepsen's stats checker (jepsen/src/jepsen/checker.clj, Stats):
// it counts the completions (ok, fail, info) of client operations, overall
// and by :f. An :f is valid when at least one of its operations succeeded;
// the whole is the merge of the :f verdicts, so it is valid when the
// history has no client completions at all. Invocations and nemesis ops are
// not counted, nor are invocations that never completed.
func Stats(h history.History) StatsResult {
	var f StatsFold
	for i := range h {
		f.Add(&h[i])
	}
	return f.Result()
}

// StatsFold computes Stats op by op, for a history read from a
// history.Source.
type StatsFold struct{ res StatsResult }

// Add counts one op (invocations and nemesis ops are skipped).
func (f *StatsFold) Add(o *history.Op) {
	if !o.IsClient() || o.IsInvoke() {
		return
	}
	if f.res.ByF == nil {
		f.res.ByF = map[string]Counts{}
	}
	c := f.res.ByF[o.F]
	c.add(o.Type)
	f.res.ByF[o.F] = c
	f.res.add(o.Type)
}

// Result is Stats of the ops added so far.
func (f *StatsFold) Result() StatsResult {
	res := StatsResult{Counts: f.res.Counts, ByF: make(map[string]Counts, len(f.res.ByF))}
	var vs []Validity
	for fn, c := range f.res.ByF {
		c.Valid = Of(c.OKCount > 0)
		res.ByF[fn] = c
		vs = append(vs, c.Valid)
	}
	res.Valid = Merge(vs...)
	return res
}

// MaelstromStats is the stats checker as Maelstrom runs it (core.clj):
// Jepsen's Stats wrapped in jepsen.tests.kafka/stats-checker, which turns
// the verdict valid when every :f other than crash and
// debug-topic-partitions is valid. The by-f verdicts are left as they are,
// so a kafka run shows crash with valid? false under a valid whole, exactly
// as results.edn does.
func MaelstromStats(h history.History) StatsResult { return Maelstrom(Stats(h)) }

// Maelstrom is MaelstromStats of a Stats result.
func Maelstrom(res StatsResult) StatsResult {
	for f, c := range res.ByF {
		if !isAlwaysCrashing(f) && c.Valid != Valid {
			return res
		}
	}
	res.Valid = Valid
	return res
}

func isAlwaysCrashing(f string) bool {
	for _, x := range alwaysCrashing {
		if f == x {
			return true
		}
	}
	return false
}

func (c *Counts) add(t history.Type) {
	c.Count++
	switch t {
	case history.OK:
		c.OKCount++
	case history.Fail:
		c.FailCount++
	case history.Info:
		c.InfoCount++
	}
}
