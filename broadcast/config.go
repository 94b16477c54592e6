package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config holds the node's tunables. Each comes, in increasing precedence,
// from its default, an environment variable (BROADCAST_<NAME>, e.g.
// BROADCAST_INTERVAL=350ms) and a command-line argument name=value (a
// leading "-" or "--" is allowed). Maelstrom passes the test command's
// non-option arguments to the node binary, so
//
//	maelstrom test -w broadcast --bin bin/broadcast ... profile=3e
//
// selects a profile under the real Maelstrom too.
type Config struct {
	// Profile picks a preset for the other settings: "3d" (the default:
	// low latency) or "3e" (few messages). Settings given explicitly
	// override the preset.
	Profile string
	// Interval is the gossip period: each node sends at most one gossip
	// message per neighbour per interval, carrying everything new.
	Interval time.Duration
	// AckDelay is how long a node may hold an acknowledgement owed to a
	// neighbour, hoping to piggyback it on gossip, before sending it alone.
	AckDelay time.Duration
	// Retry is how long a batch may wait for its acknowledgement before its
	// messages are sent again. It must exceed AckDelay plus a round trip.
	Retry time.Duration
	// Suspect: a gossip from a neighbour that does not ack a batch we sent
	// it at least this long ago means the batch was lost (every gossip
	// carries all acks its sender owes), so the batch is queued again at
	// once instead of after Retry; after a partition heals, messages flow
	// at the first gossip from the other side. It must exceed twice the
	// network latency; 0 turns it off.
	Suspect time.Duration
	// Overlay is the graph gossip runs on: "tree" (computed from the node
	// list, see Fanout), "topology" (the topology message's neighbours) or
	// "total" (every node).
	Overlay string
	// Fanout is the tree's branching factor; 0 means n-1, a star around
	// the first node, whose diameter is 2.
	Fanout int
	// Eager says which nodes send a client's message to their neighbours
	// at once instead of at the next tick: "all", "leaf" (nodes with one
	// neighbour, the star's leaves) or "none". Messages relayed from peers
	// always wait for the tick, where they are batched.
	Eager string
}

// Profiles are the presets, for Maelstrom's 3d/3e settings (25 nodes, 100
// ms constant latency between nodes, none to clients, 100 ops/s of which
// half are broadcasts, so 2 broadcasts a second per node).
//
//   - 3d, latency first: the origin sends each message at once straight to
//     every other node (total overlay, no relaying), so it is everywhere
//     after one hop, ~100 ms; that costs 24 messages per broadcast, 12 per
//     operation. Acks ride on the next message the other way and are sent
//     alone only after 1.5 s, which is rarely needed.
//   - 3e, messages first: a star around n0. Leaves send a client's message
//     to the hub at once (1 message); the hub relays everything it got in
//     one batch per leaf every Interval (24 messages per Interval, however
//     many broadcasts). A message is everywhere after 200 ms of flight
//     plus up to Interval at the hub.
var Profiles = map[string]Config{
	"3d": {Interval: 100 * time.Millisecond, AckDelay: 1500 * time.Millisecond, Retry: 3 * time.Second, Suspect: time.Second, Overlay: "total", Eager: "all"},
	"3e": {Interval: 250 * time.Millisecond, AckDelay: 1000 * time.Millisecond, Retry: 3 * time.Second, Suspect: time.Second, Overlay: "tree", Eager: "leaf"},
}

// DefaultProfile is used when none is given.
const DefaultProfile = "3d"

// ParseConfig reads the settings from args and the environment (getenv is
// os.Getenv in the program, a map in tests).
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	set := map[string]string{}
	for _, name := range []string{"profile", "interval", "ack-delay", "retry", "suspect", "overlay", "fanout", "eager"} {
		if v := getenv("BROADCAST_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
			set[name] = v
		}
	}
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			// A bare profile name, e.g. "3e".
			if _, isProfile := Profiles[a]; isProfile {
				set["profile"] = a
				continue
			}
			return Config{}, fmt.Errorf("argument %q: want name=value", a)
		}
		set[k] = v
	}
	profile := DefaultProfile
	if p, ok := set["profile"]; ok {
		profile = p
	}
	cfg, ok := Profiles[profile]
	if !ok {
		return Config{}, fmt.Errorf("unknown profile %q", profile)
	}
	cfg.Profile = profile
	for k, v := range set {
		var err error
		switch k {
		case "profile":
		case "interval":
			cfg.Interval, err = time.ParseDuration(v)
		case "ack-delay":
			cfg.AckDelay, err = time.ParseDuration(v)
		case "retry":
			cfg.Retry, err = time.ParseDuration(v)
		case "suspect":
			cfg.Suspect, err = time.ParseDuration(v)
		case "overlay":
			switch v {
			case "tree", "topology", "total":
				cfg.Overlay = v
			default:
				err = fmt.Errorf("want tree, topology or total")
			}
		case "eager":
			switch v {
			case "all", "leaf", "none":
				cfg.Eager = v
			default:
				err = fmt.Errorf("want all, leaf or none")
			}
		case "fanout":
			cfg.Fanout, err = strconv.Atoi(v)
			if err == nil && cfg.Fanout < 0 {
				err = fmt.Errorf("must not be negative")
			}
		default:
			err = fmt.Errorf("unknown setting")
		}
		if err != nil {
			return Config{}, fmt.Errorf("%s=%s: %w", k, v, err)
		}
	}
	if cfg.Interval <= 0 || cfg.Retry <= 0 || cfg.AckDelay < 0 || cfg.Suspect < 0 {
		return Config{}, fmt.Errorf("interval and retry must be positive, ack-delay and suspect not negative")
	}
	return cfg, nil
}
