package setfull

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
	"glomers/internal/scenario"
)

// The scenarios in testdata/scenarios are hand-made histories in the
// project's op notation (scenario.Ops: `<type> <process> <f> [value]
// t=<ms>`). `check` takes add=F (the add's :f, default add), linearizable
// and strict-duplicates, and prints the result compactly; `go test
// -rewrite` regenerates the expectations, which must then be reviewed by
// hand.
func TestScenarios(t *testing.T) {
	scenario.Walk(t, "testdata/scenarios", func(t *testing.T, d *datadriven.TestData, h history.History) string {
		require.Equal(t, "check", d.Cmd)
		var c Checker
		for _, a := range d.CmdArgs {
			switch a.Key {
			case "add":
				require.Len(t, a.Vals, 1)
				c.AddF = a.Vals[0]
			case "linearizable":
				c.Linearizable = true
			case "strict-duplicates":
				c.StrictDuplicates = true
			default:
				t.Fatalf("unknown argument %s", a.Key)
			}
		}
		return summarise(c.Check(h))
	})
}

// summarise renders the result's verdict, counts, element lists and
// latency distributions, one per line.
func summarise(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "valid? %s\n", r.Valid)
	fmt.Fprintf(&b, "attempts %d, acknowledged %d, stable %d, lost %d, never-read %d, stale %d, duplicated %d\n",
		r.AttemptCount, r.AcknowledgedCount, r.StableCount, r.LostCount, r.NeverReadCount, r.StaleCount, r.DuplicatedCount)
	list := func(name string, xs []any) {
		if len(xs) > 0 {
			fmt.Fprintf(&b, "%s: %s\n", name, values(xs))
		}
	}
	list("lost", r.Lost)
	list("never-read", r.NeverRead)
	list("stale", r.Stale)
	for _, w := range r.WorstStale {
		fmt.Fprintf(&b, "worst-stale: %s after %d ms\n", values([]any{w.Element}), *w.StableLatency)
	}
	quantiles := func(name string, q Quantiles) {
		if q != nil {
			fmt.Fprintf(&b, "%s:", name)
			for _, p := range QuantilePoints {
				fmt.Fprintf(&b, " %s=%d", formatPoint(p), q[p])
			}
			b.WriteString("\n")
		}
	}
	quantiles("stable-latencies", r.StableLatencies)
	quantiles("lost-latencies", r.LostLatencies)
	if len(r.Duplicated) > 0 {
		keys := make([]string, 0, len(r.Duplicated))
		for k := range r.Duplicated {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "duplicated: %s %d times\n", k, r.Duplicated[k])
		}
	}
	return b.String()
}

// values prints elements as JSON, so strings show their quotes.
func values(xs []any) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		j, _ := json.Marshal(x)
		parts[i] = string(j)
	}
	return strings.Join(parts, " ")
}

// TestWorstStale checks the ordering (->> stale (sort-by :stable-latency)
// reverse (take 8)): highest latency first, at most 8, ties in reverse
// element order.
func TestWorstStale(t *testing.T) {
	const ms = int64(1_000_000)
	var h history.History
	add := func(tm int64, typ history.Type, p int, f string, v any) {
		h = append(h, history.Op{Index: len(h), Time: tm, Type: typ, Process: p, F: f, Value: v})
	}
	// Ten elements acked at 0; element i is missed by a read begun at
	// (10 + i/2*10) ms, then seen.
	for i := int64(0); i < 10; i++ {
		add(0, history.Invoke, int(i), "broadcast", i)
	}
	for i := int64(0); i < 10; i++ {
		add(1, history.OK, int(i), "broadcast", i)
	}
	for i := int64(0); i < 10; i++ {
		var seen []any
		for j := int64(0); j < 10; j++ {
			if j != i && j != i^1 {
				seen = append(seen, j)
			}
		}
		tm := (10 + i*10) * ms
		if i%2 == 1 {
			continue
		}
		add(tm, history.Invoke, 100, "read", nil)
		add(tm+1, history.OK, 100, "read", seen)
	}
	add(500*ms, history.Invoke, 100, "read", nil)
	all := []any{}
	for j := int64(0); j < 10; j++ {
		all = append(all, j)
	}
	add(501*ms, history.OK, 100, "read", all)
	res := Checker{AddF: "broadcast"}.Check(h)
	require.Equal(t, 10, res.StaleCount)
	require.Len(t, res.WorstStale, 8)
	var order []any
	for _, w := range res.WorstStale {
		order = append(order, w.Element)
	}
	assert.Equal(t, []any{int64(9), int64(8), int64(7), int64(6), int64(5), int64(4), int64(3), int64(2)}, order)
	assert.Equal(t, int64(90), *res.WorstStale[0].StableLatency)
	assert.Equal(t, Quantiles{0: 10, 0.5: 50, 0.95: 90, 0.99: 90, 1: 90}, res.StableLatencies)
}

func TestFrequencyDistribution(t *testing.T) {
	assert.Nil(t, frequencyDistribution(QuantilePoints, nil))
	xs := []int64{}
	for i := int64(100); i > 0; i-- {
		xs = append(xs, i)
	}
	// idx = min(n-1, floor(n*p)) over the sorted 1..100.
	assert.Equal(t, Quantiles{0: 1, 0.5: 51, 0.95: 96, 0.99: 100, 1: 100}, frequencyDistribution(QuantilePoints, xs))
	b, err := json.Marshal(Quantiles{0: 1, 0.5: 2, 1: 3})
	require.NoError(t, err)
	assert.JSONEq(t, `{"0":1,"0.5":2,"1":3}`, string(b))
	var q Quantiles
	require.NoError(t, json.Unmarshal(b, &q))
	assert.Equal(t, Quantiles{0: 1, 0.5: 2, 1: 3}, q)
}
