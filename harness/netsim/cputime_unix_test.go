//go:build unix

package netsim

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the test process has used,
// so that a benchmark can report CPU per message as well as wall time.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
