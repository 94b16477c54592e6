package check

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
	"glomers/internal/scenario"
)

// TestStatsScenarios runs the stats and availability checkers over the
// histories in testdata/stats and compares with the expected results next
// to them.
func TestStatsScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/stats/*.jsonl")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".jsonl")
		t.Run(name, func(t *testing.T) {
			h := scenario.ReadHistory(t, file)
			b, err := os.ReadFile(strings.TrimSuffix(file, ".jsonl") + ".expected.json")
			require.NoError(t, err)
			var want struct {
				Stats               json.RawMessage            `json:"stats"`
				MaelstromStatsValid bool                       `json:"maelstrom-stats-valid"`
				Availability        map[string]json.RawMessage `json:"availability"`
			}
			require.NoError(t, json.Unmarshal(b, &want))

			got, err := json.Marshal(Stats(h))
			require.NoError(t, err)
			assert.JSONEq(t, string(want.Stats), string(got))

			ms := MaelstromStats(h)
			assert.Equal(t, Of(want.MaelstromStatsValid), ms.Validity())
			assert.Equal(t, Stats(h).ByF, ms.ByF, "the wrapper keeps the by-f verdicts")

			for target, w := range want.Availability {
				a, err := ParseAvailability(target)
				require.NoError(t, err)
				got, err := json.Marshal(Availability(h, a))
				require.NoError(t, err)
				assert.JSONEq(t, string(w), string(got), "--availability %q", target)
			}
		})
	}
}

func TestParseAvailability(t *testing.T) {
	for in, want := range map[string]AvailabilityTarget{
		"":      {},
		"total": {Set: true, Total: true},
		"0.99":  {Set: true, Fraction: 0.99},
		"1":     {Set: true, Fraction: 1},
		"0":     {Set: true},
		"1/2":   {Set: true, Fraction: 0.5},
	} {
		got, err := ParseAvailability(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		if in != "1/2" {
			assert.Equal(t, in, got.String())
		}
	}
	for _, bad := range []string{"all", "1.5", "-0.1", "x/2"} {
		_, err := ParseAvailability(bad)
		assert.Error(t, err, bad)
	}
}

func TestQuantilesOf(t *testing.T) {
	assert.Nil(t, QuantilesOf(DefaultQuantiles, nil))
	// perf.clj: index min(n-1, floor(n*q)) of the sorted values.
	vals := []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}
	q := QuantilesOf(DefaultQuantiles, vals)
	assert.Equal(t, Quantiles{"0": 1, "0.5": 6, "0.95": 10, "0.99": 10, "1": 10}, q)
	assert.Equal(t, 6.0, q.Get(0.5))
	assert.Equal(t, 10.0, vals[0], "input left unsorted")
	assert.Equal(t, Quantiles{"0": 7, "0.5": 7, "1": 7}, QuantilesOf([]float64{0, 0.5, 1}, []float64{7}))
}

// Every grouping's quantiles are QuantilesOf its latencies, however the
// fold sorts and merges them, with latencies out of order and repeated,
// and after more ops are added to a fold already summed up.
func TestLatencyGroupsAreQuantilesOfTheirLatencies(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	f := NewLatencyFold(nil)
	byF, byType := map[string][]float64{}, map[string][]float64{}
	var all []float64
	fs, types := []string{"read", "write", "cas"}, []history.Type{history.OK, history.Fail, history.Info}
	for round := range 2 {
		for i := range 3000 {
			fn, typ := fs[rng.IntN(len(fs))], types[rng.IntN(len(types))]
			start := int64(round*1e12 + i*1e6)
			lat := int64(rng.IntN(50)) * 1e5 // many repeats
			f.Add(&history.Op{Time: start, Type: history.Invoke, Process: 0, F: fn})
			f.Add(&history.Op{Time: start + lat, Type: typ, Process: 0, F: fn})
			ms := float64(lat) / 1e6
			byF[fn], byType[string(typ)], all = append(byF[fn], ms), append(byType[string(typ)], ms), append(all, ms)
		}
		r := f.Result()
		assert.Equal(t, QuantilesOf(DefaultQuantiles, all), r.Quantiles)
		for fn, l := range byF {
			assert.Equal(t, QuantilesOf(DefaultQuantiles, l), r.ByF[fn].Quantiles, fn)
			assert.Equal(t, len(l), r.ByF[fn].Count)
		}
		for typ, l := range byType {
			assert.Equal(t, QuantilesOf(DefaultQuantiles, l), r.ByType[typ].Quantiles, typ)
		}
	}
}

func TestLatency(t *testing.T) {
	ms := int64(1_000_000)
	h := history.History{
		{Time: 0, Type: history.Invoke, Process: 0, F: "read"},
		{Time: 0, Type: history.Invoke, Process: -1, F: "start-partition"},
		{Time: 2 * ms, Type: history.OK, Process: 0, F: "read"},
		{Time: 100 * ms, Type: history.Invoke, Process: 1, F: "write"},
		{Time: 110 * ms, Type: history.Fail, Process: 1, F: "write"},
		{Time: 200 * ms, Type: history.Invoke, Process: 0, F: "read"},
		{Time: 204 * ms, Type: history.OK, Process: 0, F: "read"},
		{Time: 300 * ms, Type: history.Invoke, Process: 2, F: "write"},
		{Time: 800 * ms, Type: history.Info, Process: 2, F: "write"},
		{Time: 400 * ms, Type: history.Invoke, Process: 1, F: "write"}, // never completes
		{Time: 5000 * ms, Type: history.Invoke, Process: 0, F: "read", Final: true},
		{Time: 5001 * ms, Type: history.OK, Process: 0, F: "read", Final: true},
	}
	r := Latency(h, nil)
	assert.Equal(t, Valid, r.Validity())
	assert.Equal(t, 5, r.Count, "completed client ops, final ones included")
	assert.Equal(t, Quantiles{"0": 1, "0.5": 4, "0.95": 500, "0.99": 500, "1": 500}, r.Quantiles)
	assert.Equal(t, 3, r.ByF["read"].Count)
	assert.Equal(t, Quantiles{"0": 1, "0.5": 2, "0.95": 4, "0.99": 4, "1": 4}, r.ByF["read"].Quantiles)
	assert.Equal(t, LatencySummary{Count: 1, Quantiles: Quantiles{"0": 10, "0.5": 10, "0.95": 10, "0.99": 10, "1": 10}},
		r.ByF["write"].ByType["fail"])
	assert.Equal(t, 500.0, r.ByF["write"].ByType["info"].Quantiles.Get(1))
	assert.Equal(t, 3, r.ByType["ok"].Count)
	// Main phase: 5 invocations from 0 to 400 ms.
	assert.InDelta(t, 0.4, r.Duration, 1e-9)
	assert.InDelta(t, 10.0, r.Rate, 1e-9)
	assert.InDelta(t, 4.0, r.OKRate, 1e-9)

	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"valid?":true`)
	assert.Contains(t, string(b), `"quantiles":{"0":1,"0.5":4,"0.95":500,"0.99":500,"1":500}`)

	empty := Latency(nil, nil)
	assert.Equal(t, 0, empty.Count)
	assert.Zero(t, empty.Rate)
}
