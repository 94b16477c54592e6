package main

import (
	"fmt"
	"os"
	"time"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	Register(n, NewGenerator(time.Now()))
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "unique-ids:", err)
		os.Exit(1)
	}
}
