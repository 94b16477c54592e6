// Command replicates-later is a deliberately broken txn-list-append node for the
// harness tests: each node applies appends locally and sends them to its peers later, so lists diverge between nodes (see package broken).
package main

import "glomers/txn-list-append/testdata/broken"

func main() { broken.Main(broken.ReplicateLater) }
