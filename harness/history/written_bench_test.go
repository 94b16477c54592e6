package history

import (
	"os"
	"testing"
)

// BenchmarkWrittenFileScanRaw reads the history.jsonl named by
// $KAFKA_CHECK_HISTORY as the kafka checker's pass does (values
// undecoded); skipped when unset.
func BenchmarkWrittenFileScanRaw(b *testing.B) {
	path := os.Getenv("KAFKA_CHECK_HISTORY")
	if path == "" {
		b.Skip("KAFKA_CHECK_HISTORY not set")
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := WrittenFile(path).ScanRaw(func(o *Op, v []byte) error { n += len(v); return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
