package check

import (
	"encoding/json"
	"fmt"

	"glomers/harness/history"
)

// Helpers for Explainer implementations, so that every checker names
// operations and times the same way in its explanations.

// Seconds writes a history time (nanoseconds since the test began) as the
// plots and `harness report --from/--to` show it.
func Seconds(ns int64) string {
	return fmt.Sprintf("%.3f s", float64(ns)/1e9)
}

// OpRef names an operation for someone reading history.jsonl: its index
// (the line's "index"), its process, function and outcome, and when it
// happened, e.g. "op 7 (process 1, poll, ok at 0.008 s)".
func OpRef(o history.Op) string {
	return fmt.Sprintf("op %d (process %d, %s, %s at %s)", o.Index, o.Process, o.F, o.Type, Seconds(o.Time))
}

// MoreOf is the sentence closing a capped list of explanations, e.g.
// "... and 2 more lost elements." (what is plural).
func MoreOf(what string, shown, total int) string {
	return fmt.Sprintf("... and %d more %s.", total-shown, what)
}

// Value writes a value of the history as compact JSON, as history.jsonl
// holds it (1, "x", [1,2]).
func Value(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// CallRef names an operation by its invocation and completion, for
// explanations that order operations by when they began, e.g.
// "process 4's read invoked at 5.020 s (op 88, completed by op 93)".
func CallRef(inv, done history.Op) string {
	return fmt.Sprintf("process %d's %s invoked at %s (op %d, completed by op %d)", inv.Process, inv.F, Seconds(inv.Time), inv.Index, done.Index)
}
