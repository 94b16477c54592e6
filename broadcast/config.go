package main

import (
	"fmt"
	"strings"
	"time"
)

// Config is the node's three tunables. They come from a preset (a bare
// argument "3d" or "3e", or profile=NAME) and then name=value arguments
// (interval=250ms, retry=3s, overlay=star). Maelstrom passes the test
// command's non-option arguments to the node binary, so
//
//	maelstrom test -w broadcast --bin bin/broadcast ... profile=3e
//
// picks a preset under the real Maelstrom too.
type Config struct {
	// Interval is the gossip period: a node sends each neighbour at most
	// one gossip message per interval, carrying everything new.
	Interval time.Duration
	// Retry is how long a gossip may go unacknowledged before its
	// messages are sent again. Acknowledgements ride on gossip going the
	// other way; one owed for Retry/2 is sent alone.
	Retry time.Duration
	// Overlay is the graph gossip runs on: "topology" (the neighbours the
	// topology message gives, every node until it comes), "star" (every
	// node talks to the first one only; it relays) or "total" (every node
	// sends its clients' messages to every other node; nobody relays).
	Overlay string
}

// Presets. The default follows the challenge's topology. 3d and 3e are for
// Maelstrom's settings of those challenges (25 nodes, 100 ms between
// nodes, 100 operations/s of which half are broadcasts):
//
//   - 3d, latency first: total overlay, so each message is everywhere after
//     one hop (~100 ms), for 24 messages per broadcast, 12 per operation.
//   - 3e, messages first: a star around the first node. A leaf sends its
//     client's message to the hub at once; the hub sends each leaf one
//     batch of everything new per interval (24 messages per 250 ms,
//     however many broadcasts). Everywhere after 200 ms of flight plus up
//     to one interval at the hub.
var Presets = map[string]Config{
	"":   {Interval: 100 * time.Millisecond, Retry: time.Second, Overlay: "topology"},
	"3d": {Interval: 100 * time.Millisecond, Retry: 3 * time.Second, Overlay: "total"},
	"3e": {Interval: 250 * time.Millisecond, Retry: 3 * time.Second, Overlay: "star"},
}

// ParseConfig reads the node's arguments: the preset first, wherever it
// is given, then the settings over it.
func ParseConfig(args []string) (Config, error) {
	cfg := Presets[""]
	var settings []string
	for _, a := range args {
		k, v, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case ok && k != "profile":
			settings = append(settings, a)
			continue
		case !ok:
			v = k
		}
		p, known := Presets[v]
		if !known {
			return Config{}, fmt.Errorf("unknown preset %q: want 3d or 3e", v)
		}
		cfg = p
	}
	for _, a := range settings {
		k, v, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var err error
		switch k {
		case "interval":
			cfg.Interval, err = time.ParseDuration(v)
		case "retry":
			cfg.Retry, err = time.ParseDuration(v)
		case "overlay":
			if v != "topology" && v != "star" && v != "total" {
				err = fmt.Errorf("want topology, star or total")
			}
			cfg.Overlay = v
		default:
			err = fmt.Errorf("unknown setting")
		}
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", a, err)
		}
	}
	if cfg.Interval <= 0 || cfg.Retry <= 0 {
		return Config{}, fmt.Errorf("interval and retry must be positive")
	}
	return cfg, nil
}
