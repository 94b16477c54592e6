package netsim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Latency distributions, as Maelstrom's net/latency-dist defines them for
// --latency MEAN and --latency-dist.
const (
	DistConstant    = "constant"    // always the mean
	DistUniform     = "uniform"     // uniform integer milliseconds in [0, 2*mean]
	DistExponential = "exponential" // exponential with the given mean
)

// Latency draws message delays.
type Latency struct {
	Mean time.Duration
	Dist string
}

// Validate checks the distribution name.
func (l Latency) Validate() error {
	switch l.Dist {
	case DistConstant, DistUniform, DistExponential, "":
		if l.Mean < 0 {
			return fmt.Errorf("latency must be non-negative")
		}
		return nil
	}
	return fmt.Errorf("unknown latency distribution %q (constant, uniform or exponential)", l.Dist)
}

// Draw returns one delay.
func (l Latency) Draw(r *rand.Rand) time.Duration {
	if l.Mean <= 0 {
		return 0
	}
	switch l.Dist {
	case DistUniform:
		// Incanter's integer-distribution 0..2*mean draws whole milliseconds.
		ms := l.Mean.Milliseconds()
		return time.Duration(r.Int64N(2*ms+1)) * time.Millisecond
	case DistExponential:
		return time.Duration(r.ExpFloat64() * float64(l.Mean))
	default:
		return l.Mean
	}
}
