// Package main is the node of Maelstrom's echo workload
// (src/maelstrom/workload/echo.clj): an echo request {echo: any} is
// answered with echo_ok carrying the same echo value.
package main

import (
	"encoding/json"
	"errors"

	"glomers/node"
)

var errMissingEcho = errors.New(`field "echo" is missing`)

// Register installs the echo handler on n.
func Register(n *node.Node) {
	n.Handle("echo", func(msg node.Message) error { return Echo(n, msg) })
}

type echoBody struct {
	Echo json.RawMessage `json:"echo"`
}

type echoOK struct {
	Type string          `json:"type"`
	Echo json.RawMessage `json:"echo"`
}

// Echo answers an echo request with echo_ok and the same "echo" value. The
// workload's schema (echo.clj) requires the field, so a request without it
// is malformed (12), as is one whose body does not decode.
func Echo(n *node.Node, msg node.Message) error {
	body, err := node.Decode[echoBody](msg)
	if err != nil {
		return err
	}
	if body.Echo == nil {
		return node.Malformed(msg, errMissingEcho)
	}
	return n.Reply(msg, echoOK{Type: "echo_ok", Echo: body.Echo})
}
