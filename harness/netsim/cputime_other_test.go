//go:build !unix

package netsim

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
