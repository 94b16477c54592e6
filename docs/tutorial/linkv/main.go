// Command linkv is the tutorial's chapter 4 node: a linearizable
// key-value store built the simplest way, by sending every request to one
// node, n0, which applies them one at a time. Every operation then takes
// effect at one moment between its request and its reply, which is what
// linearizability asks. It is not fault tolerant: cut n0 off and nothing
// answers. Raft (raft/ in this repository) keeps the single order while
// tolerating the loss of a minority of nodes.
package main

import (
	"context"
	"encoding/json"
	"log"

	"glomers/docs/tutorial/register"
	"glomers/node"
)

const leader = "n0"

func main() {
	n := node.NewNode()
	regs := register.New()
	handle := func(msg node.Message) error {
		if n.ID() != leader {
			// Forward the request as it is and relay the answer,
			// error or not.
			reply, err := n.SyncRPC(context.Background(), leader, json.RawMessage(msg.Body))
			if err != nil {
				return err
			}
			return n.Reply(msg, json.RawMessage(reply.Body))
		}
		req, err := node.Decode[register.Request](msg)
		if err != nil {
			return err
		}
		reply, err := regs.Apply(req)
		if err != nil {
			return err
		}
		return n.Reply(msg, reply)
	}
	for _, typ := range []string{"read", "write", "cas"} {
		n.Handle(typ, handle)
	}
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
