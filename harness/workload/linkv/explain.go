package linkv

import (
	"fmt"
	"sort"
	"strings"

	"glomers/harness/check"
	"glomers/harness/history"
)

// Explain says, for each key found not linearizable, which completed
// operation is impossible and why, in one sentence, followed by the
// smallest failing window (the ops of history.jsonl that prove it).
//
// The sentence names the last operation of the window that finished
// before the impossible one began and fixed the register's value (a
// write, a successful cas or a read): linearizability forbids the
// impossible one from seeing anything older. This is a reading aid; the
// window is the proof.
func (r *Result) Explain() []string {
	names := make([]string, 0, len(r.Results))
	for k, kr := range r.Results {
		if kr.Valid == check.Invalid {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		lr := r.Results[k].Linearizable
		if lr == nil {
			continue
		}
		out = append(out, explainKey(k, lr))
	}
	return out
}

// windowOp is an operation of the window: its invocation and completion.
type windowOp struct {
	invoke, complete *history.Op
}

// effect is the register value an op leaves or saw, if any.
func (w windowOp) effect() (v any, verb string, ok bool) {
	if w.complete == nil || w.complete.Type != history.OK {
		return nil, "", false
	}
	switch w.invoke.F {
	case "write":
		return registerValue(w.invoke.Value), "set the key to", true
	case "read":
		return registerValue(w.complete.Value), "read", true
	case "cas":
		if ft, ok := history.AsList(registerValue(w.invoke.Value)); ok && len(ft) == 2 {
			return ft[1], "set the key to", true
		}
	}
	return nil, "", false
}

// sets reports whether w may have set the register to v (even if it
// timed out).
func (w windowOp) sets(v any) bool {
	if w.complete != nil && w.complete.Type == history.Fail {
		return false
	}
	switch w.invoke.F {
	case "write":
		return canon(registerValue(w.invoke.Value)) == canon(v)
	case "cas":
		if ft, ok := history.AsList(registerValue(w.invoke.Value)); ok && len(ft) == 2 {
			return canon(ft[1]) == canon(v)
		}
	}
	return false
}

func registerValue(v any) any {
	if kv, ok := history.AsList(v); ok && len(kv) == 2 {
		return kv[1]
	}
	return nil
}

func explainKey(key string, lr *LinResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "key %s is not linearizable: ", key)
	if lr.Op == nil {
		b.WriteString("no order of its operations agrees with what they returned and with real time.")
		return b.String()
	}
	b.WriteString(impossible(*lr.Op, lr.Window))
	if len(lr.Window) > 0 {
		fmt.Fprintf(&b, "\nThe smallest failing window (%d of the key's %d operations):", (len(lr.Window)+1)/2, lr.OpCount)
		for _, o := range lr.Window {
			fmt.Fprintf(&b, "\n  op %d at %s: process %d %s %s %s", o.Index, check.Seconds(o.Time), o.Process, o.Type, o.F, check.Value(registerValue(o.Value)))
		}
	}
	return b.String()
}

// impossible is the sentence naming the impossible operation op.
func impossible(op history.Op, window []history.Op) string {
	var ops []windowOp
	pending := map[int]int{}
	var self *windowOp
	for i := range window {
		o := &window[i]
		if o.Type == history.Invoke {
			pending[o.Process] = len(ops)
			ops = append(ops, windowOp{invoke: o})
			continue
		}
		if j, ok := pending[o.Process]; ok {
			ops[j].complete = o
			delete(pending, o.Process)
			if o.Index == op.Index {
				self = &ops[j]
			}
		}
	}
	what := ""
	var want any
	switch op.F {
	case "read":
		want = registerValue(op.Value)
		what = fmt.Sprintf("returned %s", check.Value(want))
	case "cas":
		ft, ok := history.AsList(registerValue(op.Value))
		if ok && len(ft) == 2 {
			want = ft[0]
			what = fmt.Sprintf("changed the key from %s to %s", check.Value(ft[0]), check.Value(ft[1]))
		}
	case "write":
		what = fmt.Sprintf("wrote %s", check.Value(registerValue(op.Value)))
	}
	head := fmt.Sprintf("%s %s", check.OpRef(op), what)
	if self == nil || what == "" || op.F == "write" {
		return head + ", and no order of the window's operations that respects real time agrees with every result in it."
	}
	// The latest op of the window that completed before op began and
	// fixed the register's value.
	var prior *windowOp
	for i := range ops {
		w := &ops[i]
		if w == self || w.complete == nil || w.complete.Time >= self.invoke.Time || w.complete.Index > self.invoke.Index {
			continue
		}
		if _, _, ok := w.effect(); !ok {
			continue
		}
		if prior == nil || w.complete.Index > prior.complete.Index {
			prior = w
		}
	}
	if prior == nil {
		return head + noPrior(self, ops, want)
	}
	v, verb, _ := prior.effect()
	if canon(v) == canon(want) {
		return head + ", and no order of the window's operations that respects real time agrees with every result in it."
	}
	var writers []string
	for i := range ops {
		w := &ops[i]
		if w != self && w != prior && w.sets(want) {
			writers = append(writers, fmt.Sprintf("op %d", w.invoke.Index))
		}
	}
	tail := fmt.Sprintf("and no operation in the window sets the key to %s", check.Value(want))
	if len(writers) > 0 {
		tail = fmt.Sprintf("and %s, which would set it to %s, cannot be placed between them", strings.Join(writers, ", "), check.Value(want))
	}
	return fmt.Sprintf("%s, which no linearizable order allows: %s had already %s %s before it began, %s.",
		head, check.OpRef(*prior.complete), verb, check.Value(v), tail)
}

// noPrior ends the sentence about op when nothing in the window had
// finished before it began: either an overlapping read saw another value
// while nothing in the window changes the key, or nothing in the window
// could have given the key the value op needed.
func noPrior(self *windowOp, ops []windowOp, want any) string {
	changes := false
	var other *windowOp
	for i := range ops {
		w := &ops[i]
		if w == self {
			continue
		}
		if w.invoke.F != "read" && (w.complete == nil || w.complete.Type != history.Fail) {
			changes = true
		}
		if v, verb, ok := w.effect(); ok && verb == "read" && canon(v) != canon(want) && other == nil {
			other = w
		}
	}
	if other != nil && !changes {
		v, _, _ := other.effect()
		return fmt.Sprintf(", while %s, which overlapped it, returned %s, and no operation in the window changes the key: they cannot both be right.",
			check.OpRef(*other.complete), check.Value(v))
	}
	for i := range ops {
		if &ops[i] != self && ops[i].sets(want) {
			return ", and no order of the window's operations that respects real time agrees with every result in it."
		}
	}
	return fmt.Sprintf(", but no operation in the window could have left %s in the key.", check.Value(want))
}
