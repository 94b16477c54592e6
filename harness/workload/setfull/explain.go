package setfull

import (
	"fmt"
	"sort"

	"glomers/harness/check"
	"glomers/harness/history"
)

// MaxLostExplained caps how many lost elements are explained one by one;
// a node that loses everything would otherwise print thousands.
const MaxLostExplained = 20

// lostStory is what a learner needs to see why an element was lost: when
// its add was acknowledged, the last read that saw it, and the first read
// that began after both and still did not.
type lostStory struct {
	element     any
	acked       *history.Op // the add's ok completion, if any
	lastSeen    *call       // the last-invoked read that saw it
	firstMissed *call       // the first read to begin after that which did not
	missed      int         // reads begun after that point that missed it
}

// call is a read: its invocation and its ok completion.
type call struct{ inv, ok history.Op }

func (c call) String() string { return check.CallRef(c.inv, c.ok) }

// lostStories follows the first limit lost elements through h's reads.
func lostStories(h history.History, addF string, lost []any, limit int) []lostStory {
	if len(lost) == 0 {
		return nil
	}
	n := min(len(lost), limit)
	idx := make(map[any]int, n)
	stories := make([]lostStory, n)
	for i, e := range lost[:n] {
		idx[elementKey(e)] = i
		stories[i].element = e
	}
	// known: index of the ack or of the first read completion seeing it;
	// seenInv: invocation index of the last-invoked read that saw it.
	known := make([]int, n)
	seenInv := make([]int, n)
	for i := range known {
		known[i], seenInv[i] = -1, -1
	}
	type read struct {
		inv, ok history.Op
		has     map[any]bool
	}
	var reads []read
	pending := map[int]history.Op{}
	for _, op := range h {
		if !op.IsClient() {
			continue
		}
		switch op.F {
		case addF:
			if i, ok := idx[elementKey(op.Value)]; ok && op.IsOK() && stories[i].acked == nil {
				o := op
				stories[i].acked = &o
				if known[i] < 0 {
					known[i] = op.Index
				}
			}
		case "read":
			if op.IsInvoke() {
				pending[op.Process] = op
				continue
			}
			inv, ok := pending[op.Process]
			delete(pending, op.Process)
			if !op.IsOK() {
				continue
			}
			if !ok {
				inv = op
			}
			r := read{inv: inv, ok: op, has: map[any]bool{}}
			vals, _ := history.AsList(op.Value)
			for _, v := range vals {
				if i, ok := idx[elementKey(v)]; ok {
					r.has[elementKey(v)] = true
					if known[i] < 0 {
						known[i] = op.Index
					}
					if inv.Index > seenInv[i] {
						seenInv[i] = inv.Index
						stories[i].lastSeen = &call{inv, op}
					}
				}
			}
			reads = append(reads, r)
		}
	}
	// Reads in the order they began, to find the first that should have
	// seen each element.
	sort.SliceStable(reads, func(a, b int) bool { return reads[a].inv.Index < reads[b].inv.Index })
	for i := range stories {
		from := max(known[i], seenInv[i])
		for _, r := range reads {
			if r.inv.Index <= from || r.has[elementKey(stories[i].element)] {
				continue
			}
			if stories[i].firstMissed == nil {
				stories[i].firstMissed = &call{r.inv, r.ok}
				continue
			}
			stories[i].missed++
		}
	}
	return stories
}

// Explain says why the set is not valid: for each lost element (up to
// MaxLostExplained), when its add was acknowledged, the last read that
// saw it and the first later read that should have; for stale elements
// when the set must be linearizable, how long reads missed them; each
// duplicated element; and, for an unknown verdict, why nothing could be
// judged.
func (r Result) Explain() []string {
	var out []string
	for _, s := range r.lost {
		out = append(out, s.explain())
	}
	if r.LostCount > len(r.lost) {
		out = append(out, check.MoreOf("lost elements", len(r.lost), r.LostCount))
	}
	if r.linearizable {
		for _, w := range r.WorstStale {
			out = append(out, staleStory(w))
		}
		if r.StaleCount > len(r.WorstStale) {
			out = append(out, check.MoreOf("stale elements", len(r.WorstStale), r.StaleCount))
		}
	}
	keys := make([]string, 0, len(r.Duplicated))
	for k := range r.Duplicated {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, fmt.Sprintf("element %s appeared %d times in a single read; a set holds each element once.", k, r.Duplicated[k]))
	}
	if r.Valid == check.Unknown && r.LostCount == 0 && r.StableCount == 0 {
		out = append(out, fmt.Sprintf("no read ever saw an added element for good (%d attempted adds, %d acknowledged), so the checker cannot tell whether the nodes keep what they are given: the verdict is unknown. Are the final reads answered?",
			r.AttemptCount, r.AcknowledgedCount))
	}
	return out
}

func (s lostStory) explain() string {
	e := check.Value(s.element)
	acked := "its add was never acknowledged, but a read saw it"
	if s.acked != nil {
		acked = "its add was acknowledged by " + check.OpRef(*s.acked)
	}
	seen := "no read ever saw it"
	if s.lastSeen != nil {
		seen = "the last read to see it was " + s.lastSeen.String()
	}
	missed := "."
	if s.firstMissed != nil {
		after := "after that"
		if s.lastSeen == nil {
			after = "after the acknowledgement"
		}
		missed = fmt.Sprintf("; the first read to begin %s, %s, should have returned it and did not.", after, s.firstMissed)
		switch s.missed {
		case 0:
		case 1:
			missed += " Neither did the read after it."
		default:
			missed += fmt.Sprintf(" Neither did any of the %d reads after it.", s.missed)
		}
	}
	return fmt.Sprintf("element %s was lost: %s; %s%s Once acknowledged (or seen), an element must be in every later read.", e, acked, seen, missed)
}

func staleStory(w ElementResult) string {
	known, absent := "its acknowledgement", "a later read"
	if w.Known != nil {
		known = check.OpRef(*w.Known)
	}
	if w.LastAbsent != nil {
		absent = check.OpRef(*w.LastAbsent)
	}
	lat := int64(0)
	if w.StableLatency != nil {
		lat = *w.StableLatency
	}
	return fmt.Sprintf("element %s was stale: it was known from %s, yet %s, begun later, missed it; reads saw it for good only %d ms after it was known. A linearizable set shows an element to every read that begins after it is known.",
		check.Value(w.Element), known, absent, lat)
}
