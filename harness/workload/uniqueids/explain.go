package uniqueids

import (
	"fmt"
	"sort"

	"glomers/harness/check"
)

// Explain names each id handed out more than once (the most repeated
// first, as the result keeps them).
func (r Result) Explain() []string {
	if r.Valid != check.Invalid {
		return nil
	}
	ids := make([]string, 0, len(r.Duplicated))
	for id := range r.Duplicated {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if a, b := r.Duplicated[ids[i]], r.Duplicated[ids[j]]; a != b {
			return a > b
		}
		return ids[i] < ids[j]
	})
	out := make([]string, 0, len(ids)+1)
	for _, id := range ids {
		out = append(out, fmt.Sprintf("id %s was returned by %d acknowledged generate operations; each must return an id that no other returns, on any node.", id, r.Duplicated[id]))
	}
	if r.DuplicatedCount > len(ids) {
		out = append(out, check.MoreOf("duplicated ids", len(ids), r.DuplicatedCount))
	}
	return out
}
