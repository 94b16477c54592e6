package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The harness allocates many small, short-lived messages: collecting
// rarely (GOGC 400) saves a tenth of its CPU at high rates. But with GOGC
// 400 alone the heap may grow to five times what is live. So a soft memory
// limit caps the overshoot: the heap may grow freely up to heapFloor, and
// beyond that to liveFactor times what the last collection found live,
// re-read every heapPoll. What is live is small since the history is
// streamed to disk and the kafka checker folds it (about 20 MB in the main
// phase of a 20 s kafka run at 10,000 ops/s, up to about 60 MB while the
// final polls' copies of the log are in flight), so the floor, not the
// factor, bounds most runs: a 20 s kafka run peaked at 0.76 GB with the
// history in memory and a 256 MB floor. When the live heap was over a
// gigabyte (the history in memory), a bound of 1.5 times made the
// collector run almost continuously during a 120 s kafka run's final
// polls, which then missed the final phase's time limit; with a small
// live heap each collection is cheap. GOMEMLIMIT, when set, takes
// precedence.
const (
	gcPercent  = 400
	heapFloor  = 64 << 20
	liveFactor = 2
	heapPoll   = 250 * time.Millisecond
)

// memoryLimitFor is the soft limit for a given live heap.
func memoryLimitFor(live uint64) int64 {
	return int64(max(heapFloor, liveFactor*live))
}

// tuneGC sets the GC percentage and starts the adaptive memory limit.
func tuneGC() {
	debug.SetGCPercent(gcPercent)
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryLimitFor(0))
	go func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for range time.Tick(heapPoll) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				debug.SetMemoryLimit(memoryLimitFor(sample[0].Value.Uint64()))
			}
		}
	}()
}
