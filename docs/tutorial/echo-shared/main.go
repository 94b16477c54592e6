// Command echo-shared is chapter 1's node broken on purpose: it keeps the
// request in a variable shared by all handlers, which run concurrently, so
// a reply may carry another request's value.
package main

import (
	"encoding/json"
	"log"
	"time"

	"glomers/node"
)

type echoOK struct {
	node.MessageBody
	Echo json.RawMessage `json:"echo"`
}

func main() {
	n := node.NewNode()
	var last json.RawMessage // BUG: one variable for every request in flight
	n.Handle("echo", func(msg node.Message) error {
		body, err := node.Decode[struct {
			Echo json.RawMessage `json:"echo"`
		}](msg)
		if err != nil {
			return err
		}
		last = body.Echo
		time.Sleep(5 * time.Millisecond) // some work, during which another request arrives
		return n.Reply(msg, echoOK{node.MessageBody{Type: "echo_ok"}, last})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
