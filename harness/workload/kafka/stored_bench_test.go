package kafka

import (
	"os"
	"testing"

	"glomers/harness/history"
	"glomers/harness/report"
	"glomers/harness/report/plot"
)

// BenchmarkStoredRun is the harness's work on a stored kafka history after
// a run, as harness test does it: the checker's passes over the
// history.jsonl named by $KAFKA_CHECK_HISTORY (read as the harness reads
// its own, history.WrittenFile), carrying the shared analyses and the perf
// plots' fold in its last pass. Skipped when unset.
func BenchmarkStoredRun(b *testing.B) {
	path := os.Getenv("KAFKA_CHECK_HISTORY")
	if path == "" {
		b.Skip("KAFKA_CHECK_HISTORY not set")
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		perf := plot.NewPerfFold()
		shared := report.NewSharedFold(perf.Add)
		if _, err := checkSource(history.WrittenFile(path), shared.Add); err != nil {
			b.Fatal(err)
		}
		perf.Result()
	}
}
