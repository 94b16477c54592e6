package netsim

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkRoute25Nodes measures the network alone: messages routed per
// second among 25 in-memory nodes, each forwarding every message it gets
// to the next node until b.N hops are done, with journaling to a discarded
// writer. It reports msgs/s and the CPU cost per message is ns/op.
func BenchmarkRoute25Nodes(b *testing.B) {
	for _, latency := range []time.Duration{0, time.Millisecond} {
		b.Run("latency="+latency.String(), func(b *testing.B) {
			net := New(Config{Latency: Latency{Mean: latency, Dist: DistConstant}, Journal: discard{}})
			defer net.Close()
			const nodes = 25
			var wg sync.WaitGroup
			remaining := int64(b.N)
			var mu sync.Mutex
			body := json.RawMessage(`{"type":"gossip","message":12345,"msg_id":1}`)
			for i := 0; i < nodes; i++ {
				id := "n" + strconv.Itoa(i)
				next := "n" + strconv.Itoa((i+1)%nodes)
				net.Add(id, NewMailbox(func(m Message) {
					mu.Lock()
					remaining--
					left := remaining
					mu.Unlock()
					if left >= 0 {
						if left == 0 {
							wg.Done()
						}
						net.Send(m.Dest, next, m.Body)
					}
				}))
			}
			wg.Add(1)
			b.ResetTimer()
			start := time.Now()
			// Enough concurrent token chains to keep every node busy even with
			// latency (each chain moves one hop per latency period).
			chains := 100
			if latency > 0 {
				chains = 5000
			}
			for i := 0; i < chains; i++ {
				net.Send("n"+strconv.Itoa(i%nodes), "n"+strconv.Itoa((i+1)%nodes), body)
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
