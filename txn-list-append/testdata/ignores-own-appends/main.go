// Command ignores-own-appends is a deliberately broken txn-list-append node for the
// harness tests: reads inside a transaction do not see its own earlier appends (see package broken).
package main

import "glomers/txn-list-append/testdata/broken"

func main() { broken.Main(broken.IgnoreOwnAppends) }
