package kafka

import (
	"fmt"
	"sort"
	"strings"

	"glomers/harness/check"
)

// Explain says in words what each anomaly in r means: which key, which
// offsets or values, and which operations of history.jsonl show it. Types
// come in the order of error-types; types the checker allows (int-send-skip)
// are explained too, and marked as not making the run invalid.
func (r Result) Explain() []string {
	var out []string
	for _, t := range r.ErrorTypes {
		es := r.explainType(t)
		if !allowed(t) || len(es) == 0 {
			out = append(out, es...)
			continue
		}
		for _, e := range es {
			out = append(out, e+" (The checker allows "+t+": it does not make the run invalid.)")
		}
	}
	return out
}

func (r Result) explainType(t string) []string {
	switch t {
	case "duplicate":
		return each(r.Duplicate, t, func(e DuplicateErr) string {
			return fmt.Sprintf("duplicate: message %s of key %s sits at %d offsets (%s); a message sent once must appear in the log once.",
				val(e.Value), e.Key, e.Count, joinInts(e.Offsets))
		})
	case "inconsistent-offsets":
		return each(r.InconsistentOffsets, t, func(e InconsistentOffsetErr) string {
			return fmt.Sprintf("inconsistent-offsets: offset %d of key %s was read or acknowledged as different messages (%s); once written, an offset names one message for good.",
				e.Offset, e.Key, vals(e.Values))
		})
	case "G1a":
		return each(r.G1a, t, func(e G1aErr) string {
			w := "a send that failed"
			if e.Writer != nil {
				w = "the send " + check.OpRef(*e.Writer) + ", which failed"
			}
			return fmt.Sprintf("G1a (aborted read): %s read message %s of key %s, written only by %s; a failed send must leave no trace.",
				check.OpRef(e.Reader), val(e.Value), e.Key, w)
		})
	case "G1c-process":
		return each(r.G1cProcess, t, func(e CycleErr) string { return cycle(t, e) })
	case "G1c-realtime":
		return each(r.G1cRealtime, t, func(e CycleErr) string { return cycle(t, e) })
	case "lost-write":
		return each(r.LostWrite, t, func(e LostWriteErr) string {
			w := "its send"
			if e.Writer != nil {
				w = check.OpRef(*e.Writer)
			}
			rd := "a poll"
			if e.MaxRead != nil {
				rd = check.OpRef(*e.MaxRead)
			}
			return fmt.Sprintf("lost-write: message %s of key %s (position %d in the key's log) was acknowledged to %s, yet no poll ever read it, although %s read a later message of the key (position %d), so it must have been in the log by then.",
				val(e.Value), e.Key, e.Index, w, rd, e.MaxReadIndex)
		})
	case "poll-skip":
		return each(r.PollSkip, t, func(e SkipErr) string { return skip(t, "consecutive polls", e) })
	case "int-poll-skip":
		return each(r.IntPollSkip, t, func(e SkipErr) string { return skip(t, "one poll", e) })
	case "int-send-skip":
		return each(r.IntSendSkip, t, func(e SkipErr) string { return skip(t, "one send", e) })
	case "nonmonotonic-poll":
		return each(r.NonmonotonicPoll, t, func(e NonmonotonicErr) string { return backwards(t, "consecutive polls", "read", e) })
	case "int-nonmonotonic-poll":
		return each(r.IntNonmonotonicPoll, t, func(e NonmonotonicErr) string { return backwards(t, "one poll", "read", e) })
	case "nonmonotonic-send":
		return each(r.NonmonotonicSend, t, func(e NonmonotonicErr) string { return backwards(t, "consecutive sends", "wrote", e) })
	case "int-nonmonotonic-send":
		return each(r.IntNonmonotonicSend, t, func(e NonmonotonicErr) string { return backwards(t, "one send", "wrote", e) })
	case "precommitted-read":
		return each(r.PrecommittedRead, t, func(e PrecommittedErr) string {
			return fmt.Sprintf("precommitted-read: %s read message %s of key %s, which it was itself sending; a transaction cannot see its own write through the log before that write is committed.",
				check.OpRef(e.Op), val(e.Value), e.Key)
		})
	case "unseen":
		if r.Unseen == nil {
			return nil
		}
		return []string{unseen(*r.Unseen)}
	}
	return []string{fmt.Sprintf("%s: see results.json.", t)}
}

// each explains every kept error of a group, then says how many were
// not kept.
func each[T any](g *Group[T], kind string, f func(T) string) []string {
	if g == nil {
		return nil
	}
	out := make([]string, 0, len(g.Errs)+1)
	for _, e := range g.Errs {
		out = append(out, f(e))
	}
	if g.Count > len(g.Errs) {
		out = append(out, check.MoreOf(kind+" anomalies", len(g.Errs), g.Count))
	}
	return out
}

func cycle(kind string, e CycleErr) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: a cycle of %d operations that no order of events can explain:", kind, len(e.Steps))
	for i, s := range e.Steps {
		if i+1 >= len(e.Cycle) {
			break
		}
		from, to := e.Cycle[i], e.Cycle[i+1]
		switch s.Type {
		case "wr":
			fmt.Fprintf(&b, " %s wrote message %s of key %s and %s read it, so the send came first;",
				check.OpRef(from), val(s.Value), s.Key, check.OpRef(to))
		case "process":
			fmt.Fprintf(&b, " %s came before %s in the same process;", check.OpRef(from), check.OpRef(to))
		case "realtime":
			fmt.Fprintf(&b, " %s completed before %s was invoked;", check.OpRef(from), check.OpRef(to))
		default:
			fmt.Fprintf(&b, " %s precedes %s (%s);", check.OpRef(from), check.OpRef(to), s.Type)
		}
	}
	return strings.TrimSuffix(b.String(), ";") + ". So the poll read a message that was not yet sent."
}

// plural writes n and a noun, "1 position", "2 positions".
func plural(n int, noun string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func skip(kind, where string, e SkipErr) string {
	var ops []string
	if e.Op != nil {
		ops = append(ops, check.OpRef(*e.Op))
	}
	for _, o := range e.Ops {
		ops = append(ops, check.OpRef(o))
	}
	got := ""
	if len(e.Values) == 2 {
		got = fmt.Sprintf(" went from message %s to %s and", val(e.Values[0]), val(e.Values[1]))
	}
	return fmt.Sprintf("%s: on key %s, %s, %s,%s jumped %s in the log, skipping %s, which other operations show %s there.",
		kind, e.Key, where, strings.Join(ops, " then "), got, plural(e.Delta, "position"), messages(e.Skipped), wasWere(len(e.Skipped)))
}

func backwards(kind, where, verb string, e NonmonotonicErr) string {
	var ops []string
	if e.Op != nil {
		ops = append(ops, check.OpRef(*e.Op))
	}
	for _, o := range e.Ops {
		ops = append(ops, check.OpRef(o))
	}
	how := fmt.Sprintf("is %s back in the log", plural(-e.Delta, "position"))
	if e.Delta == 0 {
		how = "is no further on in the log"
	}
	first, second := "?", "?"
	if len(e.Values) == 2 {
		first, second = val(e.Values[0]), val(e.Values[1])
	}
	return fmt.Sprintf("%s: on key %s, %s, %s, %s message %s and then message %s, which %s; each process must see a key's log in order.",
		kind, e.Key, where, strings.Join(ops, " then "), verb, first, second, how)
}

func unseen(u UnseenErr) string {
	keys := make([]string, 0, len(u.Unseen))
	total := 0
	for k, n := range u.Unseen {
		keys = append(keys, k)
		total += n
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("on key %s, %s", k, messages(u.Messages[k]))
		if n := u.Unseen[k] - len(u.Messages[k]); n > 0 {
			parts[i] += fmt.Sprintf(" and %d more", n)
		}
	}
	return fmt.Sprintf("unseen: %s acknowledged to a send %s never returned by any poll, up to the last operation at %s: %s. Acknowledged messages must reach the pollers eventually.",
		plural(total, "message"), wasWere(total), check.Seconds(u.Time), strings.Join(parts, "; "))
}

// messages writes "message 2" or "messages 2, 3".
func messages(vs []any) string {
	if len(vs) == 1 {
		return "message " + val(vs[0])
	}
	return "messages " + vals(vs)
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

func val(v any) string { return check.Value(v) }

func vals(vs []any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = val(v)
	}
	return strings.Join(s, ", ")
}

func joinInts(xs []int64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
