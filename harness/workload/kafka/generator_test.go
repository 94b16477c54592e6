package kafka

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// sim drives a workload the way the runner does, in one goroutine with a
// synthetic clock (step ns per event): workers take turns, each op is
// invoked and completed at once, a worker gets a new client and process
// after an info completion; then the final phase runs until every worker
// is done.
type sim struct {
	w       workload.Workload
	conc    int
	conn    workload.Conn
	h       history.History
	now     int64
	step    int64
	workers []*simWorker
	// beforeFinal, if set, runs between the main and the final phase.
	beforeFinal func()
}

type simWorker struct {
	wk     workload.Worker
	client workload.Client
	prev   *history.Op
	done   bool
}

func newSim(t testing.TB, seed uint64, conc int, rate float64, conn workload.Conn) *sim {
	w, err := New(workload.Options{Concurrency: conc, Rate: rate, Rand: rand.New(rand.NewPCG(seed, 7))})
	require.NoError(t, err)
	s := &sim{w: w, conc: conc, conn: conn, step: 500_000}
	for i := 0; i < conc; i++ {
		wk := workload.Worker{Thread: i, Process: i, Node: "n0"}
		s.workers = append(s.workers, &simWorker{wk: wk, client: w.NewClient(conn, wk, nil)})
	}
	return s
}

func (s *sim) do(sw *simWorker, op history.Op) {
	op.Type, op.Process = history.Invoke, sw.wk.Process
	s.now += s.step
	op.Time = s.now
	s.h = append(s.h, op)
	c := sw.client.Invoke(context.Background(), op)
	s.now += s.step
	c.Time = s.now
	s.h = append(s.h, c)
	sw.prev = &c
	if c.Type == history.Info {
		sw.wk.Process += s.conc
		sw.client = s.w.NewClient(s.conn, sw.wk, nil)
	}
}

func (s *sim) run(n int) history.History { return s.runFinalStep(n, 100_000_000) }

// runFinalStep runs n main-phase ops, then the final phase with finalStep
// ns per event.
func (s *sim) runFinalStep(n int, finalStep int64) history.History {
	g := s.w.Generator()
	for i := 0; i < n; i++ {
		sw := s.workers[i%s.conc]
		op, ok := g.Next(sw.wk, sw.prev)
		if !ok {
			break
		}
		s.do(sw, op)
	}
	if s.beforeFinal != nil {
		s.beforeFinal()
	}
	fin := s.w.Final()
	for _, sw := range s.workers {
		sw.prev = nil
	}
	deadline := s.now + int64(fin.TimeLimit)
	// Jepsen staggers final polls by about 200 ms; run pacing them like
	// that (100 ms per event).
	s.step = finalStep
	for busy := true; busy && s.now < deadline; {
		busy = false
		for _, sw := range s.workers {
			if sw.done {
				continue
			}
			op, ok := fin.Generator.Next(sw.wk, sw.prev)
			if !ok {
				sw.done = true
				continue
			}
			busy = true
			s.do(sw, op)
		}
	}
	s.h.Reindex()
	return s.h
}

// A correct log through the whole workload: the checker finds nothing.
func TestSimulatedCorrectRun(t *testing.T) {
	h := newSim(t, 1, 4, 1000, newFake()).run(4000)
	r := Check(h)
	assert.Equal(t, check.Valid, r.Valid, "%v", r.ErrorTypes)
	assert.Empty(t, r.ErrorTypes)

	counts := map[string]int{}
	finals := 0
	for _, o := range h {
		if o.Type == history.Invoke {
			counts[o.F]++
			if o.Final {
				finals++
			}
		}
	}
	assert.InDelta(t, 0.5, float64(counts["send"])/float64(counts["send"]+counts["poll"]), 0.05)
	assert.InDelta(t, 1.0/8, float64(counts["assign"])/4000, 0.03)
	assert.Positive(t, finals)
}

// A log that never returns offset 3 of any key in polls: the checker must
// find the hole.
func TestSimulatedSkippingRun(t *testing.T) {
	kf := newFake()
	kf.hide = 3
	h := newSim(t, 2, 4, 1000, kf).run(3000)
	r := Check(h)
	assert.Equal(t, check.Invalid, r.Valid)
	assert.Contains(t, r.BadErrorTypes, "poll-skip")
	assert.Contains(t, r.BadErrorTypes, "lost-write")
}

func TestGeneratorDeterministic(t *testing.T) {
	seq := func() []history.Op {
		w, err := New(workload.Options{Concurrency: 2, Rate: 100, Rand: rand.New(rand.NewPCG(42, 1))})
		require.NoError(t, err)
		g := w.Generator()
		var out []history.Op
		for i := 0; i < 2000; i++ {
			op, ok := g.Next(workload.Worker{Thread: i % 2}, nil)
			require.True(t, ok)
			out = append(out, op)
		}
		return out
	}
	assert.Equal(t, seq(), seq())
}

// Keys rotate after --max-writes-per-key sends, values 1, 2, ... per key;
// crashes come at about concurrency/30 per second of ops at the rate.
func TestGeneratorKeyRotation(t *testing.T) {
	w, err := New(workload.Options{Concurrency: 10, Rate: 100, MaxWritesPerKey: 4, KeyCount: 3,
		Rand: rand.New(rand.NewPCG(3, 3))})
	require.NoError(t, err)
	g := w.Generator()
	sends := map[string][]int64{}
	crashes := 0
	keys := map[string]bool{}
	for i := 0; i < 30000; i++ {
		op, _ := g.Next(workload.Worker{}, nil)
		switch op.F {
		case "send":
			mop := op.Value.([]any)[0].([]any)
			require.Equal(t, "send", mop[0])
			k := mop[1].(string)
			sends[k] = append(sends[k], mop[2].(int64))
		case "assign":
			for _, k := range op.Value.([]any) {
				keys[k.(string)] = true
			}
		case "crash":
			crashes++
		case "poll":
			assert.Equal(t, []any{[]any{"poll"}}, op.Value)
		}
	}
	require.Greater(t, len(sends), 100)
	for k, vs := range sends {
		assert.LessOrEqual(t, len(vs), 4, k)
		for i, v := range vs {
			assert.Equal(t, int64(i+1), v)
		}
	}
	// 30000 ops at 100/s is 300 s; 10 clients crash once per 30 s each.
	assert.InDelta(t, 100, crashes, 40)
}

// poll-unseen widens some assigns with keys sent but not yet polled.
func TestGeneratorPollUnseen(t *testing.T) {
	w, err := New(workload.Options{Concurrency: 1, Rate: 100, Rand: rand.New(rand.NewPCG(5, 5))})
	require.NoError(t, err)
	g := w.Generator()
	sent := history.Op{Type: history.OK, F: "send", Value: history.Normalize([]any{[]any{"send", "100077", []any{3, 1}}})}
	widened := 0
	for i := 0; i < 3000; i++ {
		op, _ := g.Next(workload.Worker{}, &sent)
		if op.F == "assign" {
			for _, k := range op.Value.([]any) {
				if k == "100077" {
					widened++
				}
			}
		}
	}
	assert.Greater(t, widened, 50)
	// Once polled up to the sent offset, key 77 is no longer added.
	polled := history.Op{Type: history.OK, F: "poll", Value: history.Normalize([]any{[]any{"poll", map[string]any{"100077": []any{[]any{3, 1}}}}})}
	g.Next(workload.Worker{}, &polled)
	for i := 0; i < 3000; i++ {
		op, _ := g.Next(workload.Worker{}, nil)
		if op.F == "assign" {
			assert.NotContains(t, op.Value.([]any), "100077")
		}
	}
}

// The final phase: crash, assign every key seen (as integers, from offset
// 0), then polls until this worker has read up to the highest offsets the
// main phase saw.
func TestFinalGenerator(t *testing.T) {
	w, err := New(workload.Options{Concurrency: 2, Rate: 100, Rand: rand.New(rand.NewPCG(5, 5))})
	require.NoError(t, err)
	g := w.Generator()
	sent := history.Op{Type: history.OK, F: "send", Value: history.Normalize([]any{[]any{"send", "4", []any{2, 3}}})}
	g.Next(workload.Worker{}, &sent)
	empty := history.Op{Type: history.OK, F: "poll", Value: history.Normalize([]any{[]any{"poll", map[string]any{"6": []any{}}}})}
	g.Next(workload.Worker{}, &empty)

	fin := w.Final()
	require.NotNil(t, fin)
	assert.Equal(t, FinalTimeLimit, fin.TimeLimit)
	wk := workload.Worker{Thread: 1}
	op, ok := fin.Generator.Next(wk, nil)
	require.True(t, ok)
	assert.Equal(t, history.Op{F: "crash", Final: true}, op)
	op, _ = fin.Generator.Next(wk, nil)
	assert.Equal(t, "assign", op.F)
	assert.Equal(t, []any{int64(4), int64(6)}, op.Value)
	assert.True(t, op.Final)
	op, _ = fin.Generator.Next(wk, &history.Op{Type: history.OK, F: "assign"})
	assert.Equal(t, "poll", op.F)
	short := history.Op{Type: history.OK, F: "poll", Value: history.Normalize([]any{[]any{"poll", map[string]any{"4": []any{[]any{0, 1}}, "6": []any{}}}})}
	op, ok = fin.Generator.Next(wk, &short)
	require.True(t, ok, "key 4 not read up to offset 2 yet")
	full := history.Op{Type: history.OK, F: "poll", Value: history.Normalize([]any{[]any{"poll", map[string]any{"4": []any{[]any{1, 2}, []any{2, 3}}}}})}
	_, ok = fin.Generator.Next(wk, &full)
	assert.False(t, ok)
	// The other worker has its own targets.
	op, ok = fin.Generator.Next(workload.Worker{Thread: 0}, nil)
	require.True(t, ok)
	assert.Equal(t, "crash", op.F)

	// Nothing seen in the main phase: no final phase work at all.
	w2, _ := New(workload.Options{Rand: rand.New(rand.NewPCG(1, 1))})
	_, ok = w2.Final().Generator.Next(workload.Worker{}, nil)
	assert.False(t, ok)
}

// The final phase polls keys that only the very last completions of the
// main phase wrote: the workload's clients report them.
func TestFinalSeesLastCompletions(t *testing.T) {
	w, err := New(workload.Options{Concurrency: 1, Rand: rand.New(rand.NewPCG(5, 5))})
	require.NoError(t, err)
	c := w.NewClient(newFake(), workload.Worker{Node: "n0"}, nil)
	op := invoke(c, "send", []any{[]any{"send", "900", 1}}, false)
	require.Equal(t, history.OK, op.Type)
	fin := w.Final().Generator
	fin.Next(workload.Worker{}, nil) // crash
	op, ok := fin.Next(workload.Worker{}, nil)
	require.True(t, ok)
	assert.Equal(t, []any{int64(900)}, op.Value)
}

// A final poll that returns fewer keys than are awaited is looked up key
// by key of the reply, one that returns more the other way round; both
// drop exactly the keys read up to their targets, by their exact names.
func TestFinalPollsCatchUpKeyByKey(t *testing.T) {
	st := &sharedState{maxOffsets: map[int64]int64{1: 0, 2: 3, 3: 0, 4: 0}}
	g := newFinalGen(st)
	wk := workload.Worker{Thread: 0}
	for range 3 { // crash, assign, first poll
		_, ok := g.Next(wk, nil)
		require.True(t, ok)
	}
	poll := func(msgs map[string]any) *history.Op {
		return &history.Op{Type: history.OK, F: "poll", Value: history.Normalize([]any{[]any{"poll", msgs}})}
	}
	pairs := func(hi int) []any { return []any{[]any{0, 9}, []any{hi, 9}} }
	_, ok := g.Next(wk, poll(map[string]any{"01": pairs(1), "+3": pairs(1), "2": pairs(2)}))
	require.True(t, ok)
	assert.Equal(t, map[int64]int64{1: 0, 2: 3, 3: 0, 4: 0}, g.threads[0].remaining, "fewer keys than awaited: none reached, 01 and +3 are not keys 1 and 3")
	_, ok = g.Next(wk, poll(map[string]any{"1": pairs(1), "2": pairs(3)}))
	require.True(t, ok)
	assert.Equal(t, map[int64]int64{3: 0, 4: 0}, g.threads[0].remaining)
	_, ok = g.Next(wk, poll(map[string]any{"3": pairs(1), "4": []any{}, "5": pairs(1)}))
	require.True(t, ok)
	assert.Equal(t, map[int64]int64{4: 0}, g.threads[0].remaining, "more keys than awaited")
	_, ok = g.Next(wk, poll(map[string]any{"4": pairs(1)}))
	assert.False(t, ok, "caught up")
}
