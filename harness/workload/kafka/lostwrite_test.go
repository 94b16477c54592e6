package kafka

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
)

// lostWritesByMaps is lostWrites as it was written first, with maps per
// key: the reference the slot-indexed version must agree with.
func (a *analysis) lostWritesByMaps() {
	for _, k := range a.keysInOrder() {
		o := a.orders[k]
		if o == nil || !a.anyOkRead(k) {
			continue
		}
		firstIdx := map[int64]int{}
		lastIdx := map[int64]int{}
		for i := range o.starts {
			for _, e := range o.vals(i) {
				if _, ok := firstIdx[e.val]; !ok {
					firstIdx[e.val] = i
				}
				lastIdx[e.val] = i
			}
		}
		bound := -1
		for v, i := range firstIdx {
			if vi := a.lookup(k, v); vi != nil && vi.okRead && i > bound {
				bound = i
			}
		}
		if bound < 0 {
			continue
		}
		var maxRead *history.Op
		for _, e := range o.vals(bound) {
			if lastIdx[e.val] == bound {
				maxRead = opPtrAt(a.lookup(k, e.val).firstRead)
				break
			}
		}
		seen := map[int64]bool{}
		for i := 0; i <= bound; i++ {
			for _, e := range o.vals(i) {
				v := e.val
				if lastIdx[v] != i || seen[v] {
					continue
				}
				seen[v] = true
				vi := a.lookup(k, v)
				if vi.okRead || !a.mustHaveCommitted(vi) {
					continue
				}
				a.errs.LostWrite = append(a.errs.LostWrite, LostWriteErr{
					Key: a.in.keyNames[k], Value: a.in.out(v), Index: firstIdx[v], MaxReadIndex: bound,
					Writer: opPtrAt(vi.writer), MaxRead: maxRead})
			}
		}
	}
}

// randomLog is a history of sends and polls over a few keys whose offsets
// collide at random (values sent or read at several offsets, offsets with
// several values), with failed and indefinite sends and polls that miss
// messages.
func randomLog(rng *rand.Rand, n int) history.History {
	var h history.History
	keys := []string{"a", "b", "c"}
	next := map[string]int{}
	var sent [][3]any // key, offset, value of every send
	types := []history.Type{history.OK, history.OK, history.OK, history.Fail, history.Info}
	for i := 0; i < n; i++ {
		p := rng.IntN(4)
		if rng.IntN(2) == 0 {
			k := keys[rng.IntN(len(keys))]
			next[k]++
			v, off := next[k], rng.IntN(next[k]+1)
			if rng.IntN(4) == 0 { // a value sent again: at two offsets
				v = 1 + rng.IntN(next[k])
			}
			h = append(h, history.Op{Type: history.Invoke, Process: p, F: "send", Value: history.Normalize([]any{[]any{"send", k, v}})})
			t := types[rng.IntN(len(types))]
			val := any(v)
			if t == history.OK {
				val = []any{off, v}
				sent = append(sent, [3]any{k, off, v})
			}
			h = append(h, history.Op{Type: t, Process: p, F: "send", Value: history.Normalize([]any{[]any{"send", k, val}})})
			continue
		}
		read := map[string]any{}
		for range rng.IntN(4) {
			if len(sent) == 0 {
				break
			}
			s := sent[rng.IntN(len(sent))]
			l, _ := read[s[0].(string)].([]any)
			off := s[1]
			if rng.IntN(4) == 0 { // the value at another offset too: a duplicate
				off = rng.IntN(5)
			}
			read[s[0].(string)] = append(l, []any{off, s[2]})
		}
		h = append(h, history.Op{Type: history.Invoke, Process: p, F: "poll", Value: history.Normalize([]any{[]any{"poll"}})})
		h = append(h, history.Op{Type: history.OK, Process: p, F: "poll", Value: history.Normalize([]any{[]any{"poll", read}})})
	}
	for i := range h {
		h[i].Index, h[i].Time = i, int64(i)*1000
	}
	return h
}

// lostWrites finds what the map-per-key version found, value for value,
// on random logs full of duplicates and inconsistent offsets.
func TestLostWritesAgreeWithMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	found := 0
	for range 300 {
		h := randomLog(rng, 5+rng.IntN(40))
		a, err := analyzeSource(h, nil, nil)
		require.NoError(t, err)
		got := a.errs.LostWrite
		a.errs.LostWrite = nil
		a.lostWritesByMaps()
		// analyzeSource resolved got's ops; compare positions only.
		want := a.errs.LostWrite
		require.Len(t, got, len(want))
		for i := range want {
			w, g := want[i], got[i]
			assert.Equal(t, [...]any{w.Key, w.Value, w.Index, w.MaxReadIndex}, [...]any{g.Key, g.Value, g.Index, g.MaxReadIndex})
			assert.Equal(t, w.Writer == nil, g.Writer == nil)
			assert.Equal(t, w.MaxRead == nil, g.MaxRead == nil)
			if w.Writer != nil && g.Writer != nil {
				assert.Equal(t, w.Writer.Index, g.Writer.Index)
			}
			if w.MaxRead != nil && g.MaxRead != nil {
				assert.Equal(t, w.MaxRead.Index, g.MaxRead.Index)
			}
		}
		found += len(got)
	}
	assert.Greater(t, found, 50, "the random logs hold lost writes")
}
