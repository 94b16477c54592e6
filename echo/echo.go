// Package main is the node of Maelstrom's echo workload (doc/02-echo and
// the echo workload in src/maelstrom/workload/echo.clj): every echo request
// is answered with echo_ok carrying the same body.
package main

import (
	"encoding/json"

	"glomers/node"
)

// Register installs the echo handler on n.
func Register(n *node.Node) {
	n.Handle("echo", func(msg node.Message) error { return Echo(n, msg) })
}

// Echo answers an echo request with its own body, type set to echo_ok. A
// request without an "echo" field is malformed (12): the workload always
// sends one.
func Echo(n *node.Node, msg node.Message) error {
	var body map[string]json.RawMessage
	if err := msg.DecodeBody(&body); err != nil {
		return err
	}
	if _, ok := body["echo"]; !ok {
		return node.Malformed(msg, errMissingEcho)
	}
	body["type"] = json.RawMessage(`"echo_ok"`)
	delete(body, "msg_id")
	return n.Reply(msg, body)
}
