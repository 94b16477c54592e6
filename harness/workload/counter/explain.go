package counter

import (
	"fmt"
	"strings"

	"glomers/harness/check"
	"glomers/harness/history"
)

// Explain sets each final read that is out of range against the values
// the counter could hold: the sum of the acknowledged adds, plus any
// subset of the adds whose outcome is unknown (timed out).
func (r *Result) Explain() []string {
	if r.Valid != check.Invalid {
		return nil
	}
	acceptable := ranges(r.Acceptable)
	why := "the sum of the acknowledged adds"
	if len(r.Acceptable) > 1 || (len(r.Acceptable) == 1 && r.Acceptable[0][0] != r.Acceptable[0][1]) {
		why += ", plus any of the adds whose outcome is unknown (they timed out)"
	}
	out := make([]string, 0, len(r.Errors))
	for _, o := range r.Errors {
		got := check.Value(o.Value)
		if _, ok := history.AsInt(o.Value); !ok {
			got += ", which is not an integer"
		}
		out = append(out, fmt.Sprintf("the final read %s returned %s, but once every add has reached every node the counter can only read %s: %s.",
			check.OpRef(o), got, acceptable, why))
	}
	return out
}

// ranges writes the acceptable values: "7", "7 or 9", "7 to 9, or 12".
func ranges(rs []Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		switch {
		case r[0] == r[1]:
			parts[i] = fmt.Sprint(r[0])
		case r[1] == r[0]+1:
			parts[i] = fmt.Sprintf("%d or %d", r[0], r[1])
		default:
			parts[i] = fmt.Sprintf("%d to %d", r[0], r[1])
		}
	}
	if len(parts) <= 2 {
		return strings.Join(parts, " or ")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + ", or " + parts[len(parts)-1]
}
