package main

import (
	"fmt"
	"os"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	Register(n)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}
