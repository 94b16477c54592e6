// Package run carries one test from its configuration to its verdict: it
// starts the network, the services and the node processes, initialises the
// nodes, drives the workload's clients from its generator at --rate while
// the nemesis cuts and heals the network, runs the final phase, stops
// everything, and hands the history and statistics to the checkers. The
// order of phases is Maelstrom's (src/maelstrom/core.clj, maelstrom-test).
package run

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"glomers/harness/check"
	"glomers/harness/netsim"
)

// Config is one test's settings; the CLI fills it from Maelstrom's flags.
type Config struct {
	Bin      string
	Args     []string // passed to every node binary
	Workload string

	// NodeIDs are the server nodes. Maelstrom names them n0.. from
	// --node-count; without it, Jepsen's default node list n1..n5 is used.
	NodeIDs     []string
	Concurrency int // client threads (already resolved from "2n")
	Rate        float64
	TimeLimit   time.Duration
	Latency     netsim.Latency

	Nemesis         []string // any of Faults: partition, pause, kill
	NemesisInterval time.Duration
	// NemesisSchedule, when set, replaces the random schedule with these
	// steps, each at its time since the main phase began: a hand-written
	// schedule, as a Jepsen test may give its nemesis an explicit
	// sequence of sleeps and ops (gen/phases) instead of a random one. Go
	// callers only (tests that need one exact story of faults). Nemesis
	// still names the faults whose cure runs after the main phase.
	NemesisSchedule []NemesisStep

	// Availability is "" (no check), "total", or a fraction such as "0.99".
	Availability string

	LogStderr  bool
	LogNetSend bool
	LogNetRecv bool

	Topology          string
	ConsistencyModels []string
	KeyCount          int
	MaxTxnLength      int
	MaxWritesPerKey   int

	Seed uint64
	// Store is the base directory; each test writes below
	// Store/<workload>/<timestamp>/.
	Store string
	// RecoveryTime is the pause between healing the network and the final
	// phase (Maelstrom sleeps 10 s).
	RecoveryTime time.Duration
	// InitTimeout bounds the wait for init_ok (Maelstrom: 10 s).
	InitTimeout time.Duration
	// Progress, when true, redraws a one-line status on stderr.
	Progress bool
	// MainPhaseProcs, when positive, is GOMAXPROCS while the main phase
	// runs (the old value is restored after it). GOMAXPROCS is the whole
	// process's, so only a program that runs one test at a time (the
	// harness CLI, which sets 1) should set it. Why 1: at ten thousand
	// operations a second the harness is idle between messages most of the
	// time, and with a second P every goroutine it wakes (the pacer's
	// hand-off, a node's reply) starts another thread spinning to look for
	// work; on two shared cores that scheduler churn cost more than the
	// work itself (echo25: about a fifth of the whole system's CPU).
	MainPhaseProcs int
}

// Defaults returns Maelstrom's defaults (core.clj opt-spec).
func Defaults() Config {
	return Config{
		Workload:        "lin-kv",
		NodeIDs:         []string{"n1", "n2", "n3", "n4", "n5"},
		Rate:            5,
		TimeLimit:       60 * time.Second,
		Latency:         netsim.Latency{Mean: 0, Dist: netsim.DistConstant},
		NemesisInterval: 10 * time.Second,
		Topology:        "grid",
		MaxTxnLength:    4,
		MaxWritesPerKey: 16,
		ConsistencyModels: []string{
			"strict-serializable",
		},
		Store:        "store",
		RecoveryTime: 10 * time.Second,
		InitTimeout:  10 * time.Second,
	}
}

// HasNemesis reports whether the named fault is on.
func (c Config) HasNemesis(f string) bool {
	for _, x := range c.Nemesis {
		if x == f {
			return true
		}
	}
	return false
}

// Validate checks settings that flags alone cannot.
func (c Config) Validate() error {
	var errs []error
	if c.Bin == "" {
		errs = append(errs, errors.New("expected a --bin PATH_TO_BINARY to test"))
	}
	if len(c.NodeIDs) == 0 {
		errs = append(errs, errors.New("--node-count must be positive"))
	}
	if c.Concurrency <= 0 {
		errs = append(errs, errors.New("--concurrency must be positive"))
	}
	if c.Rate < 0 {
		errs = append(errs, errors.New("--rate can't be negative"))
	}
	if c.TimeLimit <= 0 {
		errs = append(errs, errors.New("--time-limit must be positive"))
	}
	if err := c.Latency.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, f := range c.Nemesis {
		if !slices.Contains(Faults, f) {
			errs = append(errs, fmt.Errorf("unknown nemesis %q: the faults are %s", f, strings.Join(Faults, ", ")))
		}
	}
	if c.NemesisInterval <= 0 {
		errs = append(errs, errors.New("--nemesis-interval must be positive"))
	}
	for _, st := range c.NemesisSchedule {
		if err := st.validate(c); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := check.ParseAvailability(c.Availability); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
