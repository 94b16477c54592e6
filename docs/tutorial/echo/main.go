// Command echo is the tutorial's first node (chapter 1): it answers every
// echo request with echo_ok and the same echo value.
package main

import (
	"encoding/json"
	"log"

	"glomers/node"
)

// echoOK is the reply. MessageBody carries "type"; the library fills in
// in_reply_to.
type echoOK struct {
	node.MessageBody
	Echo json.RawMessage `json:"echo"`
}

func main() {
	n := node.NewNode() // reads stdin, writes stdout
	n.Handle("echo", func(msg node.Message) error {
		body, err := node.Decode[struct {
			Echo json.RawMessage `json:"echo"`
		}](msg)
		if err != nil {
			return err // a malformed request gets error 12
		}
		return n.Reply(msg, echoOK{node.MessageBody{Type: "echo_ok"}, body.Echo})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
