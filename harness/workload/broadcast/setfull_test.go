package broadcast

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/internal/scenario"
)

// TestSetFullScenarios runs the checker over every hand-made history in
// testdata/setfull and compares the keys its .expected.json names.
func TestSetFullScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/setfull/*.jsonl")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		t.Run(name, func(t *testing.T) {
			h := scenario.ReadHistory(t, path)
			res := Checker().Check(h)
			got := toMap(t, res)
			want := map[string]any{}
			b, err := os.ReadFile(strings.TrimSuffix(path, ".jsonl") + ".expected.json")
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &want))
			for k, v := range want {
				assert.Equal(t, v, got[k], "key %s", k)
			}
		})
	}
}

func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	m := map[string]any{}
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestSetFullStrictDuplicates(t *testing.T) {
	h := scenario.ReadHistory(t, "testdata/setfull/duplicated.jsonl")
	res := SetFull{AddF: "broadcast", StrictDuplicates: true}.Check(h)
	assert.Equal(t, check.Invalid, res.Validity())
	assert.Equal(t, 1, res.DuplicatedCount)
	assert.Equal(t, map[string]int{"0": 3}, res.Duplicated)
}

func TestSetFullLinearizableStale(t *testing.T) {
	h := scenario.ReadHistory(t, "testdata/setfull/stale.jsonl")
	assert.Equal(t, check.Valid, Checker().Check(h).Validity())
	assert.Equal(t, check.Invalid, SetFull{AddF: "broadcast", Linearizable: true}.Check(h).Validity())
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
	res := Checker().Check(h)
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

// TestSetFullStringsVersusIntegers mirrors the real aduarterengifo run: the
// node returned messages as strings, so no integer broadcast is ever seen.
func TestSetFullStringsVersusIntegers(t *testing.T) {
	h := history.History{
		{Index: 0, Time: 0, Type: history.Invoke, Process: 0, F: "broadcast", Value: int64(0)},
		{Index: 1, Time: 5, Type: history.OK, Process: 0, F: "broadcast", Value: int64(0)},
		{Index: 2, Time: 6, Type: history.Invoke, Process: 1, F: "read"},
		{Index: 3, Time: 7, Type: history.OK, Process: 1, F: "read", Value: []any{"0"}},
	}
	res := Checker().Check(h)
	assert.Equal(t, check.Invalid, res.Validity())
	assert.Equal(t, []any{int64(0)}, res.Lost)
}
