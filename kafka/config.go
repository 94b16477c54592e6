package main

import (
	"fmt"
	"strings"
	"time"

	"glomers/kafka/internal/casmode"
	"glomers/kafka/internal/leader"
	"glomers/kafka/internal/store"
)

// Modes of the node.
const (
	ModeCAS    = "cas"
	ModeLeader = "leader"
)

// ModeEnv names the environment variable that picks the mode.
const ModeEnv = "KAFKA_MODE"

// Config is the node's settings. The mode comes from a bare argument
// ("cas" or "leader", as Maelstrom passes the test command's non-option
// arguments to the binary), "mode=NAME", or KAFKA_MODE; arguments win over
// the environment and the default is cas. Tunables are name=value
// arguments: interval, heartbeat, retry, leader-timeout, leader (the
// leader's id), poll-max (messages per key per poll), poll-total
// (messages per poll).
type Config struct {
	Mode      string
	PollMax   int
	PollTotal int
	Leader    leader.Config
	CAS       casmode.Config
}

// ParseConfig reads args and the environment (getenv is os.Getenv in the
// program, a map in tests).
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	cfg := Config{Mode: ModeCAS, PollMax: store.DefaultMaxPerKey, PollTotal: store.DefaultMaxPerPoll, Leader: leader.DefaultConfig(), CAS: casmode.DefaultConfig()}
	if m := strings.ToLower(strings.TrimSpace(getenv(ModeEnv))); m != "" {
		cfg.Mode = m
	}
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			k, v = "mode", a
		}
		var err error
		switch k {
		case "mode":
			cfg.Mode = strings.ToLower(v)
		case "interval":
			if cfg.Leader.Interval, err = time.ParseDuration(v); err == nil {
				cfg.CAS.Interval = cfg.Leader.Interval
			}
		case "heartbeat":
			cfg.Leader.Heartbeat, err = time.ParseDuration(v)
		case "retry":
			if cfg.Leader.Retry, err = time.ParseDuration(v); err == nil {
				cfg.CAS.Retry = cfg.Leader.Retry
			}
		case "leader-timeout":
			cfg.Leader.LeaderTimeout, err = time.ParseDuration(v)
		case "leader":
			cfg.Leader.Leader = v
		case "poll-max":
			_, err = fmt.Sscan(v, &cfg.PollMax)
		case "poll-total":
			_, err = fmt.Sscan(v, &cfg.PollTotal)
		default:
			return Config{}, fmt.Errorf("unknown setting %q", a)
		}
		if err != nil {
			return Config{}, fmt.Errorf("argument %q: %v", a, err)
		}
	}
	if cfg.Mode != ModeCAS && cfg.Mode != ModeLeader {
		return Config{}, fmt.Errorf("unknown mode %q: want %s or %s", cfg.Mode, ModeCAS, ModeLeader)
	}
	if cfg.Leader.Interval <= 0 || cfg.Leader.Heartbeat <= 0 || cfg.Leader.Retry <= 0 || cfg.PollMax <= 0 || cfg.PollTotal <= 0 {
		return Config{}, fmt.Errorf("durations, poll-max and poll-total must be positive")
	}
	return cfg, nil
}
