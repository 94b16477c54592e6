// Command broadcast is the node of Gossip Glomers challenges 3a-3e: it
// keeps every message broadcast to any node and gossips them, batched, over
// an overlay it computes itself, with acknowledgements and retries (see
// Server and Config). Settings: name=value arguments or BROADCAST_*
// environment variables (see Config); profile=3d (default) or profile=3e.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"

	"glomers/node"
)

type broadcastReq struct {
	Message json.RawMessage `json:"message"`
}

type topologyReq struct {
	Topology map[string][]string `json:"topology"`
}

func main() {
	// One P unless GOMAXPROCS says otherwise: the node needs little CPU,
	// and 25 of them on a small machine spend about a third less CPU
	// time (idle Ps spinning) with one P each.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	cfg, err := ParseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "broadcast:", err)
		os.Exit(2)
	}
	n := node.NewNode()
	var s *Server
	n.Handle("init", func(node.Message) error {
		s = NewServer(cfg, n.ID(), n.NodeIDs())
		go RunTicker(s, cfg.Interval, n.Done(), func(o Outgoing) { _ = n.Send(o.Dest, o.Body) })
		return nil
	})
	n.Handle("topology", func(msg node.Message) error {
		var req topologyReq
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return node.NewRPCErrorf(node.CodeMalformedRequest, "%v", err)
		}
		s.SetTopology(req.Topology)
		return n.Reply(msg, map[string]any{"type": "topology_ok"})
	})
	n.Handle("broadcast", func(msg node.Message) error {
		var req broadcastReq
		if err := json.Unmarshal(msg.Body, &req); err != nil || len(req.Message) == 0 {
			return node.NewRPCError(node.CodeMalformedRequest, "broadcast needs a message")
		}
		out := s.Broadcast(req.Message, time.Now())
		err := n.Reply(msg, map[string]any{"type": "broadcast_ok"})
		for _, o := range out {
			_ = n.Send(o.Dest, o.Body)
		}
		return err
	})
	n.Handle("read", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "read_ok", "messages": s.Read()})
	})
	n.Handle("gossip", func(msg node.Message) error {
		var g GossipBody
		if err := json.Unmarshal(msg.Body, &g); err != nil {
			return nil // never answer gossip: peers do not wait for replies
		}
		s.Gossip(msg.Src, g, time.Now())
		return nil
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "broadcast:", err)
		os.Exit(1)
	}
}
