// Package uniqueids is Maelstrom's unique-ids workload
// (src/maelstrom/workload/unique_ids.clj): clients send generate and expect
// generate_ok with an id of any JSON type; the checker is Jepsen's
// checker/unique-ids: every acknowledged id must be distinct.
package uniqueids

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/workload"
)

type Workload struct{}

// New builds the workload.
func New(workload.Options) (workload.Workload, error) { return Workload{}, nil }

func (Workload) Setup(context.Context, func() workload.Conn) error { return nil }
func (Workload) Final() *workload.Final                            { return nil }

// Generator repeats {:f :generate} forever.
func (Workload) Generator() workload.Generator {
	return workload.GeneratorFunc(func(workload.Worker, *history.Op) (history.Op, bool) {
		return history.Op{F: "generate"}, true
	})
}

func (Workload) NewClient(conn workload.Conn, w workload.Worker, _ *rand.Rand) workload.Client {
	return client{conn: conn, node: w.Node}
}

type client struct {
	conn workload.Conn
	node string
}

type generateOK struct {
	Type string           `json:"type"`
	ID   *json.RawMessage `json:"id"`
}

func (c client) Invoke(ctx context.Context, op history.Op) history.Op {
	reply, err := c.conn.RPC(ctx, c.node, map[string]string{"type": "generate"})
	var id any
	if err == nil {
		var body generateOK
		switch jerr := json.Unmarshal(reply, &body); {
		case jerr != nil:
			err = fmt.Errorf("malformed generate_ok: %v", jerr)
		case body.Type != "generate_ok" || body.ID == nil:
			err = fmt.Errorf("expected generate_ok with an id, got %s", reply)
		default:
			id, err = history.DecodeValue(*body.ID)
		}
	}
	return workload.Complete(op, id, err, false)
}

// Result is Jepsen's unique-ids result.
type Result struct {
	check.Verdict
	AttemptedCount    int            `json:"attempted-count"`
	AcknowledgedCount int            `json:"acknowledged-count"`
	DuplicatedCount   int            `json:"duplicated-count"`
	Duplicated        map[string]int `json:"duplicated"`
	Range             []any          `json:"range"`
}

// maxDuplicatesShown matches Jepsen's (take 48).
const maxDuplicatesShown = 48

func (Workload) Check(h history.History) check.Result { return Check(h) }

// Check counts attempted and acknowledged generate ops and the ids
// acknowledged more than once. Ids are compared by their JSON form, so 1
// and "1" differ, as they do in Clojure.
func Check(h history.History) Result {
	res := Result{Duplicated: map[string]int{}}
	freqs := map[string]int{}   // by the id's JSON form
	display := map[string]any{} // JSON form -> the id
	var lo, hi any
	for _, op := range h {
		if !op.IsClient() || op.F != "generate" {
			continue
		}
		switch op.Type {
		case history.Invoke:
			res.AttemptedCount++
		case history.OK:
			res.AcknowledgedCount++
			key := idKey(op.Value)
			freqs[key]++
			display[key] = op.Value
			lo, hi = widen(lo, hi, op.Value)
		}
	}
	type dup struct {
		id string
		n  int
	}
	var dups []dup
	for id, n := range freqs {
		if n > 1 {
			dups = append(dups, dup{id, n})
		}
	}
	res.DuplicatedCount = len(dups)
	sort.Slice(dups, func(i, j int) bool {
		if dups[i].n != dups[j].n {
			return dups[i].n > dups[j].n
		}
		return dups[i].id < dups[j].id
	})
	for i, d := range dups {
		if i == maxDuplicatesShown {
			break
		}
		res.Duplicated[displayKey(display[d.id])] = d.n
	}
	if res.AcknowledgedCount > 0 {
		res.Range = []any{lo, hi}
	}
	res.Valid = check.Of(len(dups) == 0)
	return res
}

// idKey is the id's JSON form, which keeps 7 and "7" apart.
func idKey(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// displayKey names an id in the duplicated map: strings as themselves (as
// results.edn shows them), anything else in JSON.
func displayKey(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return idKey(v)
}

// widen extends [lo, hi] by v when ids are all numbers or all strings;
// mixed types have no order, and the range is then left as it was.
func widen(lo, hi, v any) (any, any) {
	if lo == nil {
		return v, v
	}
	if less(v, lo) {
		lo = v
	}
	if less(hi, v) {
		hi = v
	}
	return lo, hi
}

func less(a, b any) bool {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return x < y
		}
	case float64:
		if y, ok := b.(float64); ok {
			return x < y
		}
	case string:
		if y, ok := b.(string); ok {
			return x < y
		}
	}
	return false
}
