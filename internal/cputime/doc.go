// Package cputime reads this process's CPU time, so that benchmarks on a
// shared, loaded machine can report cost per CPU-second as well as per
// wall-clock second.
package cputime
