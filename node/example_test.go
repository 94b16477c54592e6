package node_test

import (
	"context"
	"os"
	"strings"

	"glomers/node"
)

// A node program registers handlers and runs. This one answers "echo"
// requests; main would use node.NewNode() (stdin/stdout) instead.
func Example() {
	in := strings.NewReader(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}
{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2,"echo":"hello"}}
`)
	n := node.NewNodeIO(in, os.Stdout)

	type echo struct {
		Echo string `json:"echo"`
	}
	type echoOK struct {
		node.MessageBody
		Echo string `json:"echo"`
	}
	n.Handle("echo", func(msg node.Message) error {
		body, err := node.Decode[echo](msg) // wrong shapes become error 12
		if err != nil {
			return err
		}
		return n.Reply(msg, echoOK{MessageBody: node.MessageBody{Type: "echo_ok"}, Echo: body.Echo})
	})
	if err := n.Run(); err != nil {
		panic(err)
	}
	// Each message runs on its own goroutine, init included, so the
	// replies may come in either order.

	// Unordered output:
	// {"src":"n1","dest":"c0","body":{"in_reply_to":1,"type":"init_ok"}}
	// {"src":"n1","dest":"c1","body":{"in_reply_to":2,"type":"echo_ok","echo":"hello"}}
}

// A read-modify-write of a counter in lin-kv; Update retries the CAS when
// another node got there first.
func ExampleKV_Update() {
	n := node.NewNode()
	kv := node.NewLinKV(n)
	n.Handle("add", func(msg node.Message) error {
		body, err := node.Decode[struct {
			Delta int `json:"delta"`
		}](msg)
		if err != nil {
			return err
		}
		_, err = kv.Update(context.Background(), "counter", func(old any, exists bool) (any, error) {
			if !exists {
				return body.Delta, nil
			}
			return int(old.(float64)) + body.Delta, nil
		})
		if err != nil {
			return err // a timeout replies code 0, indefinite
		}
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	_ = n.Run
}
