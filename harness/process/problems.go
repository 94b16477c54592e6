package process

import (
	"fmt"
	"strconv"
	"strings"
)

// describe says in words what went wrong with the node, one sentence per
// problem, for the results and the console: the first thing a learner
// reads after "invalid".
func (r Report) describe() []string {
	var out []string
	if r.Exited {
		at := ""
		if r.ExitedAt != nil {
			at = fmt.Sprintf(" at %.1f s", *r.ExitedAt)
		}
		out = append(out, fmt.Sprintf("%s exited%s, before the test ended (%s)", r.Node, at, r.ExitStatus))
	}
	if r.InputDropped > 0 {
		at := ""
		if r.StoppedReadingAt != nil {
			at = fmt.Sprintf(" at %.1f s", *r.StoppedReadingAt)
		}
		out = append(out, fmt.Sprintf("%s stopped reading its input%s; %s messages to it were dropped", r.Node, at, thousands(r.InputDropped)))
	}
	if r.WrongSrcCount > 0 {
		out = append(out, WrongSrcSentence(r.Node, r.WrongSrcCount, r.WrongSrcSample))
	}
	if r.StdoutClosedAt != nil {
		out = append(out, fmt.Sprintf("%s closed its stdout at %.1f s but kept running; nothing it did after that reached the network", r.Node, *r.StdoutClosedAt))
	}
	if r.GarbageCount > 0 {
		out = append(out, fmt.Sprintf("%s printed %s lines on stdout that are not messages (debug output belongs on stderr)", r.Node, thousands(int64(r.GarbageCount))))
	}
	return out
}

// WrongSrcSentence explains count messages that node wrote with a src
// other than its own id, sample being the first. A message addressed to
// the node itself is what a node writes when it echoes its input (cat
// does) or swaps src and dest in a reply.
func WrongSrcSentence(node string, count int, sample string) string {
	src, dest, _, err := parseLine([]byte(strings.TrimSuffix(sample, "...")))
	if err != nil {
		src, dest = "?", "?"
	}
	times := ""
	if count > 1 {
		times = fmt.Sprintf(" (%s such messages)", thousands(int64(count)))
	}
	if dest == node {
		return fmt.Sprintf("%s wrote back a message it was sent, from %s to itself%s: its stdout repeats its stdin, as `cat` would, or a reply swapped src and dest. "+
			"A node sends its own messages: a reply to %s has src %q and dest %q. These messages were dropped; the first was: %s",
			node, src, times, src, node, src, sample)
	}
	return fmt.Sprintf("%s sent messages with src %q instead of its own id %q%s, and no node, client or service has that id. A node's messages must have src %q (its node_id from init). These messages were dropped; the first was: %s",
		node, src, node, times, node, sample)
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
