package node_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"testing"

	"glomers/internal/cputime"
	"glomers/node"
)

type benchEcho struct {
	Echo json.RawMessage `json:"echo"`
}

type benchEchoOK struct {
	Type string          `json:"type"`
	Echo json.RawMessage `json:"echo"`
}

// countingWriter counts output lines, to check every request was
// answered, and write calls (each would be one syscall on stdout).
type countingWriter struct{ lines, writes int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.lines += bytes.Count(p, []byte{'\n'})
	w.writes++
	return len(p), nil
}

// BenchmarkEchoThroughput feeds a node b.N echo requests, shaped like the
// ones Maelstrom's echo workload sends, through an in-memory input and
// output, and reports requests answered per wall-clock second (msgs/s) and
// per second of CPU the process used (msgs/cpu-s, the figure that matters on
// a shared machine). One op is one request, so allocs/op and B/op are per
// message. The handler is the echo program's.
//
//	go test ./node -run '^$' -bench EchoThroughput -benchmem -cpu 1
func BenchmarkEchoThroughput(b *testing.B) {
	var in bytes.Buffer
	in.Grow(120 * (b.N + 1))
	in.WriteString(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}` + "\n")
	for i := 0; i < b.N; i++ {
		in.WriteString(`{"id":`)
		in.WriteString(strconv.Itoa(i + 10))
		in.WriteString(`,"src":"c1","dest":"n1","body":{"echo":"Please echo 42","type":"echo","msg_id":`)
		in.WriteString(strconv.Itoa(i + 2))
		in.WriteString("}}\n")
	}
	out := &countingWriter{}
	n := node.NewNodeIO(io.Reader(&in), out)
	n.Handle("echo", func(msg node.Message) error {
		var body benchEcho
		if err := msg.DecodeBody(&body); err != nil {
			return err
		}
		return n.Reply(msg, benchEchoOK{Type: "echo_ok", Echo: body.Echo})
	})
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := cputime.Process()
	if err := n.Run(); err != nil {
		b.Fatal(err)
	}
	cpu1, _ := cputime.Process()
	b.StopTimer()
	if out.lines != b.N+1 {
		b.Fatalf("%d replies to %d requests", out.lines-1, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(out.writes)/float64(b.N), "writes/msg")
	if cpuOK && cpu1 > cpu0 {
		// Throughput per second of CPU the process used (GC included):
		// what one dedicated core would do, however loaded the machine.
		b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "msgs/cpu-s")
	}
}
