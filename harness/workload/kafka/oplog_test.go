package kafka

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
	"glomers/internal/scenario"
)

// randomPop is a pop with the fields judge reads, over values that test
// the encoding's edges: extreme integers, differences that wrap, messages
// with and without offsets, types beyond the four.
func randomPop(rng *rand.Rand, h int) pop {
	ints := []int64{0, 1, -1, 7, 300, -300, math.MaxInt64, math.MinInt64, math.MinInt64 + 3, 1 << 40}
	n := func() int64 {
		if rng.IntN(2) == 0 {
			return ints[rng.IntN(len(ints))]
		}
		return rng.Int64N(1000) - 10
	}
	msgs := func() []keyMsgs {
		var l []keyMsgs
		for range rng.IntN(4) {
			km := keyMsgs{key: rng.Int32N(5000)}
			allOff := rng.IntN(2) == 0
			for range rng.IntN(5) {
				km.msgs = append(km.msgs, msg{off: n(), val: n(), hasOff: allOff || rng.IntN(2) == 0})
			}
			l = append(l, km)
		}
		return l
	}
	types := []history.Type{history.Invoke, history.OK, history.Fail, history.Info, "odd"}
	p := pop{h: h, typ: types[rng.IntN(len(types))], f: fKind(rng.IntN(int(fSubscribe) + 1)),
		process: int(n()), time: n(), invTime: n(), reads: msgs(), writes: msgs()}
	for range rng.IntN(3) {
		p.assign = append(p.assign, rng.Int32N(1<<20))
		p.assignInt = append(p.assignInt, rng.IntN(2) == 0)
	}
	return p
}

// The opLog hands back every op judge needs as it was added, from memory
// and from its spill file alike, and leaves no file behind.
func TestOpLogRoundTrip(t *testing.T) {
	for _, spillAt := range []int{opLogSpillAt, 1, 200} {
		rng := rand.New(rand.NewPCG(3, uint64(spillAt)))
		l := newOpLog(spillAt)
		var want []pop
		h := 0
		for range 3000 {
			h += rng.IntN(3)
			p := randomPop(rng, h)
			require.NoError(t, l.add(&p))
			if judged(&p) {
				want = append(want, p)
			}
		}
		assert.Equal(t, spillAt < opLogSpillAt, l.spill != nil, "spilled")
		for round := 0; round < 2; round++ { // each can run more than once
			var got []pop
			require.NoError(t, l.each(func(p *pop) {
				c := *p
				c.reads, c.writes = cloneKeyMsgs(p.reads), cloneKeyMsgs(p.writes)
				c.assign, c.assignInt = append([]int32(nil), p.assign...), append([]bool(nil), p.assignInt...)
				got = append(got, c)
			}))
			require.Len(t, got, len(want))
			for i := range want {
				w, g := want[i], got[i]
				assert.Equal(t, [...]any{w.h, w.typ, w.f, w.process, w.time, w.invTime},
					[...]any{g.h, g.typ, g.f, g.process, g.time, g.invTime}, "op %d", i)
				assert.Equal(t, len(w.reads), len(g.reads))
				assert.Equal(t, len(w.writes), len(g.writes))
				for j := range w.reads {
					assert.Equal(t, w.reads[j].key, g.reads[j].key)
					assert.Equal(t, len(w.reads[j].msgs), len(g.reads[j].msgs))
					for k := range w.reads[j].msgs {
						assert.Equal(t, w.reads[j].msgs[k], g.reads[j].msgs[k])
					}
				}
				for j := range w.writes {
					assert.Equal(t, w.writes[j].key, g.writes[j].key)
					assert.Equal(t, len(w.writes[j].msgs), len(g.writes[j].msgs))
					for k := range w.writes[j].msgs {
						assert.Equal(t, w.writes[j].msgs[k], g.writes[j].msgs[k])
					}
				}
				assert.Equal(t, len(w.assign), len(g.assign))
				for j := range w.assign {
					assert.Equal(t, w.assign[j], g.assign[j])
					assert.Equal(t, w.assignInt[j], g.assignInt[j])
				}
			}
		}
		name := ""
		if l.spill != nil {
			name = l.spill.Name()
		}
		l.close()
		if name != "" {
			_, err := os.Stat(name)
			assert.True(t, os.IsNotExist(err), "the spill file is removed")
		}
	}
}

// An invocation that read nothing is all judge skips: it changes nothing
// judge finds.
func TestOpLogSkipsOnlyInvocationsWithoutReads(t *testing.T) {
	assert.False(t, judged(&pop{typ: history.Invoke, writes: []keyMsgs{{key: 1, msgs: []msg{{val: 1}}}}}))
	assert.True(t, judged(&pop{typ: history.Invoke, reads: []keyMsgs{{key: 1}}}))
	for _, typ := range []history.Type{history.OK, history.Fail, history.Info, "odd"} {
		assert.True(t, judged(&pop{typ: typ}))
	}
}

// Spilling the opLog to a file changes nothing in the analysis: every
// scenario of testdata/checker and the real runs give the same errors,
// ops and lags with a spill every few bytes.
func TestSpilledAnalysisIsTheSame(t *testing.T) {
	same := func(t *testing.T, h history.History) {
		type lagAt struct {
			l    Lag
			rank int32
		}
		var lags, spilledLags []lagAt
		want, err := analyzeSource(h, func(l Lag, r int32) { lags = append(lags, lagAt{l, r}) }, nil)
		require.NoError(t, err)
		got, err := analyzeSpilling(h, func(l Lag, r int32) { spilledLags = append(spilledLags, lagAt{l, r}) }, nil, 64)
		require.NoError(t, err)
		assert.Equal(t, want.errs, got.errs)
		assert.Equal(t, lags, spilledLags)
		assert.Equal(t, want.infoCauses, got.infoCauses)
	}
	for _, name := range []string{"Emmanuel32.jsonl.gz", "yjcsivsuk.jsonl.gz"} {
		t.Run(name, func(t *testing.T) { same(t, loadGz(t, name)) })
	}
	scenario.Walk(t, filepath.Join("testdata", "checker"), func(t *testing.T, d *datadriven.TestData, h history.History) string {
		same(t, h)
		return d.Expected
	})
}

// With nowhere to spill to, the opLog holds everything rather than fail
// the check.
func TestOpLogWithoutSpillFile(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	rng := rand.New(rand.NewPCG(5, 6))
	l := newOpLog(100)
	defer l.close()
	var want []int
	for h := range 2000 {
		p := randomPop(rng, h)
		require.NoError(t, l.add(&p))
		if judged(&p) {
			want = append(want, h)
		}
	}
	assert.Nil(t, l.spill)
	assert.NotEmpty(t, l.chunks)
	var got []int
	require.NoError(t, l.each(func(p *pop) { got = append(got, p.h) }))
	assert.Equal(t, want, got)
}
