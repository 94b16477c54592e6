//go:build unix

package node_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the test process has used,
// so that a benchmark on a shared, loaded machine can report throughput
// per CPU-second as well as per wall-clock second.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
