// Command linkv-async is chapter 4's node broken on purpose: every node
// answers from its own copy and tells the others about writes afterwards.
// That is fast and always available, and not linearizable: a read on one
// node can miss a write another node has already acknowledged.
package main

import (
	"log"

	"glomers/docs/tutorial/register"
	"glomers/node"
)

type update struct {
	node.MessageBody
	Key   any `json:"key"`
	Value any `json:"value"`
}

func main() {
	n := node.NewNode()
	regs := register.New()
	handle := func(msg node.Message) error {
		req, err := node.Decode[register.Request](msg)
		if err != nil {
			return err
		}
		reply, err := regs.Apply(req)
		if err != nil {
			return err
		}
		if req.Type != "read" {
			value := req.Value
			if req.Type == "cas" {
				value = req.To
			}
			for _, peer := range n.NodeIDs() {
				if peer != n.ID() {
					// BUG: the reply goes out before the others know.
					n.Send(peer, update{node.MessageBody{Type: "update"}, req.Key, value})
				}
			}
		}
		return n.Reply(msg, reply)
	}
	for _, typ := range []string{"read", "write", "cas"} {
		n.Handle(typ, handle)
	}
	n.Handle("update", func(msg node.Message) error {
		u, err := node.Decode[update](msg)
		if err != nil {
			return err
		}
		regs.Set(u.Key, u.Value)
		return nil
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
