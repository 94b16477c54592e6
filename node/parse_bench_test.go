package node

import "testing"

// BenchmarkParseLine parses a line shaped like a kafka send at a follower,
// the busiest request of the kafka workload: the envelope's cost per
// message in the input loop, before any handler runs.
//
//	go test ./node -run '^$' -bench ParseLine -benchmem -cpu 1
func BenchmarkParseLine(b *testing.B) {
	line := []byte(`{"id":123456,"src":"c17","dest":"n3","body":{"key":"9","msg":48213,"type":"send","msg_id":5417}}`)
	in := newInterner()
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseLine(line, in); err != nil {
			b.Fatal(err)
		}
	}
}
