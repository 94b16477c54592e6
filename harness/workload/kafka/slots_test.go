package kafka

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keySlots finds every value it was given, whether held in its slice
// (small non-negative values) or its map (the rest), lists each once, and
// does not let sparse values grow its slice.
func TestKeySlots(t *testing.T) {
	var ks keySlots
	vals := []int64{0, 1, 5, 2, 3000, -1, math.MinInt64, math.MaxInt64, 1 << 40, 4, 1023, 1024, 2000}
	for i, v := range vals {
		_, ok := ks.get(v)
		require.False(t, ok, "%d before it was put", v)
		ks.put(v, int32(i))
	}
	for i, v := range vals {
		s, ok := ks.get(v)
		assert.True(t, ok, "%d", v)
		assert.Equal(t, int32(i), s, "%d", v)
	}
	for _, v := range []int64{6, 1025, 3001, -2, 1 << 41} {
		_, ok := ks.get(v)
		assert.False(t, ok, "%d was never put", v)
	}
	got := map[int64]int32{}
	ks.each(func(v int64, s int32) {
		_, twice := got[v]
		assert.False(t, twice, "%d listed twice", v)
		got[v] = s
	})
	assert.Len(t, got, len(vals))
	assert.LessOrEqual(t, len(ks.dense), 2*len(vals)+denseSlack)
	assert.Contains(t, ks.other, int64(3000), "beyond the slice's bound: in the map")

	// The generator's values, 0, 1, 2, ... per key, all go in the slice.
	var dense keySlots
	for v := int64(0); v < 100_000; v++ {
		dense.put(v, int32(v))
	}
	assert.Empty(t, dense.other)
	s, ok := dense.get(99_999)
	assert.True(t, ok)
	assert.Equal(t, int32(99_999), s)
}

// intKey gives an integer key the id its decimal form has, cached or not,
// whatever the order keys are first seen in.
func TestIntKeyIsTheKeyOfItsDecimalForm(t *testing.T) {
	in := &interner{keyIDs: map[string]int32{}, otherIDs: map[string]int64{}}
	var buf []byte
	for _, n := range []int64{3, 0, -7, 5000, 3, 1 << 40, 2, 5000, -7, 0} {
		id := in.intKey(n, buf)
		assert.Equal(t, in.key(n), id, "%d", n)
		assert.Equal(t, in.key(strconv.FormatInt(n, 10)), id, "%d", n)
	}
	assert.LessOrEqual(t, len(in.intIDs), 2*len(in.keyNames)+1024)
}
