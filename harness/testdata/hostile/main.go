// Command hostile is a deliberately badly behaved Maelstrom node, for the
// harness's hostile-node tests: -mode picks the misbehaviour (see modes).
// Every mode that answers init serves the echo workload unless it says
// otherwise. With HOSTILE_PID_DIR set, the process leaves an empty file
// named after its pid there, so a test can check that none outlives the
// harness, and a flood leaves the file "flooded" there once it has
// written 48 MB.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

func main() {
	mode := flag.String("mode", "echo", "the misbehaviour")
	count := flag.Int("count", 1000, "how many messages a flood or a storm sends")
	size := flag.Int("bytes", 1000, "padding per flood message, or the length of a huge line")
	after := flag.Duration("after", 500*time.Millisecond, "how long exit-mid-run serves before it exits")
	flag.Parse()
	if dir := os.Getenv("HOSTILE_PID_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), nil, 0o644)
	}
	run, ok := modes[*mode]
	if !ok {
		fmt.Fprintf(os.Stderr, "hostile: unknown mode %q\n", *mode)
		os.Exit(2)
	}
	run(newNode(os.Stdin, os.Stdout), settings{count: *count, size: *size, after: *after})
}

type settings struct {
	count, size int
	after       time.Duration
}
