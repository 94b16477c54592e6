package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"glomers/node"
)

// BenchmarkFinalPoll is a node's side of one final poll of a kafka16 run:
// a request naming all 5,309 keys from offset 0, as the harness writes it
// (keys sorted), over logs of 15 messages a key; read, polled, answered.
func BenchmarkFinalPoll(b *testing.B) {
	const keys, perKey = 5309, 15
	l := newLogs()
	names := make([]string, keys)
	for i := range names {
		names[i] = strconv.Itoa(i)
		for j := 0; j < perKey; j++ {
			l.append(names[i], json.RawMessage(strconv.Itoa(j)))
		}
	}
	offsets := map[string]int64{}
	for _, k := range names {
		offsets[k] = 0
	}
	body, err := json.Marshal(map[string]any{"type": "poll", "msg_id": 7, "offsets": offsets})
	if err != nil {
		b.Fatal(err)
	}
	msg := node.Message{Src: "c1", Dest: "n1", Body: body}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		from, err := decodeOffsets(msg)
		if err != nil {
			b.Fatal(err)
		}
		if len(pollOKBody(l.poll(from))) == 0 {
			b.Fatal("empty reply")
		}
	}
}
