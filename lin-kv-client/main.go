// Command lin-kv-client is a node for Maelstrom's lin-kv workload that
// proxies every request to the lin-kv service; see Proxy.
package main

import (
	"fmt"
	"os"

	"glomers/node"
)

func main() {
	n := node.NewNode()
	Register(n, NewProxy(node.NewLinKV(n)))
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "lin-kv-client:", err)
		os.Exit(1)
	}
}
