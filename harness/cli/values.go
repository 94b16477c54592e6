// Package cli holds the parsers of Maelstrom's command-line values that
// `harness test` (package testflags) and `harness check` (package
// checkcmd) share. It depends on nothing of the harness, so the commands
// that only read stores need not import the runner.
package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// NodeIDs returns Maelstrom's node ids for --node-count: n0 .. n(k-1)
// (core.clj parse-node-count).
func NodeIDs(k int) []string {
	ids := make([]string, k)
	for i := range ids {
		ids[i] = "n" + strconv.Itoa(i)
	}
	return ids
}

// Concurrency reads Maelstrom's --concurrency: an integer, or a multiple
// of the node count written "2n".
func Concurrency(s string, nodeCount int) (int, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "n") {
		k, err := strconv.Atoi(strings.TrimSuffix(s, "n"))
		if err != nil || k <= 0 {
			return 0, fmt.Errorf("--concurrency %q: expected an integer or a multiple of n such as 2n", s)
		}
		return k * nodeCount, nil
	}
	k, err := strconv.Atoi(s)
	if err != nil || k <= 0 {
		return 0, fmt.Errorf("--concurrency %q: expected a positive integer or a multiple of n such as 2n", s)
	}
	return k, nil
}

// SplitList splits Maelstrom's comma-separated lists. Maelstrom's
// --consistency-models splits only on commas surrounded by whitespace
// (a quirk of its regex); plain commas are accepted too. A leading colon
// (an EDN keyword, as stores record them) is dropped.
func SplitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimPrefix(strings.TrimSpace(part), ":"); p != "" {
			out = append(out, p)
		}
	}
	return out
}
