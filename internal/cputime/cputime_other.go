//go:build !unix

package cputime

import "time"

// Process is not available here: benchmarks then report wall time only.
func Process() (time.Duration, bool) { return 0, false }
