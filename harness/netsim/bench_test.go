package netsim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"glomers/internal/cputime"
	"glomers/internal/rawpipe"
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

// BenchmarkDeliverToPipe measures the path from senders to a node's
// stdin: goroutines deliver to one mailbox whose handler writes each
// message as a line to a pipe, drained by a reader. "batch" is the
// mailbox with its own goroutine, flushing a buffered writer when the
// queue runs dry (the harness before the hot-path work); "direct" runs
// the handler on the sender and writes what queued in one write, as
// process.Node does. "flood": 4 senders as fast as they can (messages
// queue); "idle": one sender that waits until each message has been read
// (the receiver is idle at every delivery, the usual case at 25 nodes).
// ns/op is wall time per message, cpu-ns/msg the process's CPU per
// message; writes/msg is write calls to the pipe per message.
//
//	go test ./harness/netsim -run '^$' -bench DeliverToPipe -benchmem
func BenchmarkDeliverToPipe(b *testing.B) {
	for _, mode := range []string{"batch/flood", "direct/flood", "batch/idle", "direct/idle"} {
		b.Run(mode, func(b *testing.B) {
			direct := strings.HasPrefix(mode, "direct")
			idle := strings.HasSuffix(mode, "idle")
			r, w, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			pipe, ok := rawpipe.New(w)
			if !ok {
				b.Skip("pipe not pollable")
			}
			defer pipe.Close()
			var received atomic.Int64
			seen := make(chan struct{}, 1)
			go func() {
				buf := make([]byte, 1<<16)
				for {
					n, err := r.Read(buf)
					received.Add(int64(bytes.Count(buf[:n], []byte{'\n'})))
					select {
					case seen <- struct{}{}:
					default:
					}
					if err != nil {
						return
					}
				}
			}()
			var writes int64
			line := func(buf []byte, m Message) []byte {
				buf = append(buf, m.Body...)
				return append(buf, '\n')
			}
			var mb *Mailbox
			if !direct {
				bw := bufio.NewWriterSize(pipe, 1<<16)
				var buf []byte
				mb = NewBatchMailbox(func(batch []Message) {
					for _, m := range batch {
						buf = line(buf[:0], m)
						bw.Write(buf)
					}
				}, func() { writes++; bw.Flush() })
			} else {
				var pending []byte
				mb = NewDirectMailbox(func(batch []Message, wait bool) bool {
					for _, m := range batch {
						pending = line(pending, m)
					}
					if len(pending) == 0 {
						return true
					}
					writes++
					var n int
					if wait {
						n, _ = pipe.Write(pending)
					} else {
						n, _ = pipe.TryWrite(pending)
					}
					pending = pending[:copy(pending, pending[n:])]
					return len(pending) == 0
				})
			}
			body := json.RawMessage(`{"type":"echo","echo":"Please echo 42","msg_id":1}`)
			senders := 4
			if idle {
				senders = 1
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, cpuOK := cputime.Process()
			var wg sync.WaitGroup
			for s := 0; s < senders; s++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := s; i < b.N; i += senders {
						mb.Deliver(Message{ID: int64(i), Src: "c1", Dest: "n1", Body: body})
						for idle && received.Load() <= int64(i) {
							<-seen
						}
					}
				}()
			}
			wg.Wait()
			for received.Load() < int64(b.N) {
				time.Sleep(100 * time.Microsecond)
			}
			cpu1, _ := cputime.Process()
			b.StopTimer()
			mb.Close()
			b.ReportMetric(float64(writes)/float64(b.N), "writes/msg")
			if cpuOK {
				// The process's CPU (both ends of the pipe, the runtime)
				// per message: what the machine pays, however the work is
				// spread over threads.
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/msg")
			}
		})
	}
}
