package kafka

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
	"glomers/harness/workload"
)

// updateReference is poll-unseen's update as it was written first, looking
// at every key of both maps after each op: the reference the key-local
// update must match.
func updateReference(sent, polled map[int64]int64, op *history.Op) {
	for k, o := range sendOffsets(op) {
		raise(sent, k, o)
	}
	for k, o := range pollOffsets(op) {
		raise(polled, k, o)
	}
	for k, s := range sent {
		if p, ok := polled[k]; ok && p >= s {
			delete(sent, k)
			delete(polled, k)
		}
	}
	for k := range polled {
		if _, ok := sent[k]; !ok {
			delete(polled, k)
		}
	}
}

// randomOkOp is an ok send, poll or txn (sends and polls of a few keys, a
// key possibly more than once) with random offsets.
func randomOkOp(rng *rand.Rand) history.Op {
	key := func() string { return strconv.Itoa(rng.IntN(6)) }
	send := func() any { return []any{"send", key(), []any{int64(rng.IntN(20)), int64(1)}} }
	poll := func() any {
		msgs := map[string]any{}
		for range rng.IntN(3) {
			var pairs []any
			for range rng.IntN(3) {
				pairs = append(pairs, []any{int64(rng.IntN(20)), int64(1)})
			}
			msgs[key()] = pairs
		}
		return []any{"poll", msgs}
	}
	switch rng.IntN(3) {
	case 0:
		return history.Op{Type: history.OK, F: "send", Value: []any{send()}}
	case 1:
		return history.Op{Type: history.OK, F: "poll", Value: []any{poll()}}
	}
	var mops []any
	for range 1 + rng.IntN(4) {
		if rng.IntN(2) == 0 {
			mops = append(mops, send())
		} else {
			mops = append(mops, poll())
		}
	}
	return history.Op{Type: history.OK, F: "txn", Value: mops}
}

// update looks only at the keys an op touched, and ends with the same
// sent and polled maps as the reference that scans every key.
func TestUpdateMatchesFullScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	w, err := New(workload.Options{Rand: rand.New(rand.NewPCG(1, 1))})
	require.NoError(t, err)
	g := w.(*kafkaWorkload).gen
	sent, polled := map[int64]int64{}, map[int64]int64{}
	for i := range 20000 {
		op := randomOkOp(rng)
		g.update(&op)
		updateReference(sent, polled, &op)
		require.Equal(t, sent, g.sent, "op %d: %v", i, op.Value)
		require.Equal(t, polled, g.polled, "op %d: %v", i, op.Value)
	}
}

// The generator merges ok ops into track-key-offsets itself only until the
// workload has made a client, which reports its own ok ops.
func TestGeneratorObservesUntilClientsDo(t *testing.T) {
	w, err := New(workload.Options{Rand: rand.New(rand.NewPCG(1, 1))})
	require.NoError(t, err)
	kw := w.(*kafkaWorkload)
	op := history.Op{Type: history.OK, F: "send", Value: []any{[]any{"send", "3", []any{int64(7), int64(1)}}}}
	kw.gen.update(&op)
	assert.Equal(t, map[int64]int64{3: 7}, kw.state.maxOffsets)

	kw.NewClient(nil, workload.Worker{}, nil)
	op = history.Op{Type: history.OK, F: "send", Value: []any{[]any{"send", "4", []any{int64(2), int64(1)}}}}
	kw.gen.update(&op)
	assert.Equal(t, map[int64]int64{3: 7}, kw.state.maxOffsets, "left to the client")
	assert.Equal(t, map[int64]int64{3: 7, 4: 2}, kw.gen.sent, "poll-unseen still sees it")
}

// committedOffsets, where it answers, reads what encoding/json reads.
func FuzzCommittedOffsets(f *testing.F) {
	for _, s := range []string{
		`{"type":"list_committed_offsets_ok","offsets":{"1":3,"22":0},"in_reply_to":4}`,
		`{"offsets":{}}`, `{"offsets":null}`, `{"Offsets":{"1":2}}`, `{"offsets":{"1":2},"offsets":{"3":4}}`,
		`{"offsets":{"1":2.0}}`, `{"offsets":{"1":-0,"1":5}}`, `{"offsets":{"\u0031":99999999999999999999}}`,
		`{"offsets":{"a\"b":1}} `, `{"offsets":[1]}`, `{}`, `[]`, `{"offsets":{"1":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := committedOffsets(raw)
		if !ok {
			return
		}
		var want ListCommittedOffsetsResponse
		require.NoError(t, decode(raw, &want), "%s", raw)
		assert.Equal(t, want.Offsets, got, "%s", raw)
	})
}
