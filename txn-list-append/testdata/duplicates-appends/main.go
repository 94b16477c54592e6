// Command duplicates-appends is a deliberately broken txn-list-append node for the
// harness tests: every third append is applied twice (see package broken).
package main

import "glomers/txn-list-append/testdata/broken"

func main() { broken.Main(broken.DuplicateAppends) }
