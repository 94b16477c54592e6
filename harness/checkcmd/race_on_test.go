//go:build race

package checkcmd

// raceEnabled skips the largest real histories under the race detector,
// which makes parsing them ten times slower; they are read in full by the
// ordinary test run.
const raceEnabled = true
