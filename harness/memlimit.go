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
// limit caps the overshoot: the heap may grow to what the last collection
// found live (re-read every heapPoll) plus a headroom of half that, and at
// least heapFloor. What is live is small since the history is streamed to
// disk and the kafka checker folds it (about 20 MB in the main phase of a
// 20 s kafka run at 10,000 ops/s, about 50 MB while the final polls are
// in flight), so the floor bounds most runs. A 120 s kafka run's final
// phase holds about 200 MB live (every client's offsets and every
// thread's targets for its 32,000 keys, and the replies in flight): a
// headroom of the whole live heap (a bound of twice it, as before) took
// that run's peak RSS to 400 MB, half of it keeps it near 300 MB for a few
// more collections of about 0.2 s each. (When the history was kept in
// memory, over a gigabyte live, a bound of 1.5 times made the collector
// run almost continuously; with today's live heaps each collection is
// cheap.) GOMEMLIMIT, when set, takes precedence.
const (
	gcPercent = 400
	heapFloor = 64 << 20
	heapPoll  = 250 * time.Millisecond
)

// memoryLimitFor is the soft limit for a given live heap.
func memoryLimitFor(live uint64) int64 {
	return int64(max(heapFloor, live+live/2))
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
