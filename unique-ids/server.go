package main

import (
	"glomers/node"
)

type generateOK struct {
	node.MessageBody
	ID string `json:"id"`
}

// Register installs the generate handler on n, with ids from g.
func Register(n *node.Node, g *Generator) {
	n.Handle("generate", func(msg node.Message) error {
		return n.Reply(msg, generateOK{MessageBody: node.MessageBody{Type: "generate_ok"}, ID: g.Next(n.ID())})
	})
}
