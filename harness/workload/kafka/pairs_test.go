package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPairInternerSharesEqualPairsOnly(t *testing.T) {
	p := newPairInterner()
	a := p.pair("k1", 3, int64(7))
	b := p.pair("k1", 3, int64(7))
	assert.Equal(t, []any{int64(3), int64(7)}, a)
	assert.Same(t, &a.([]any)[0], &b.([]any)[0], "equal pairs share one slice")
	assert.Equal(t, []any{int64(3), int64(8)}, p.pair("k1", 3, int64(8)), "another message at the offset is kept as sent")
	assert.Equal(t, []any{int64(3), int64(7)}, p.pair("k2", 3, int64(7)))
	assert.NotSame(t, &a.([]any)[0], &p.pair("k2", 3, int64(7)).([]any)[0], "keys do not share")
	s1, s2 := p.pair("k1", 4, "x"), p.pair("k1", 4, "x")
	assert.Equal(t, []any{int64(4), "x"}, s1)
	assert.NotSame(t, &s1.([]any)[0], &s2.([]any)[0], "non-integer messages are not shared")
	var none *pairInterner
	assert.Equal(t, []any{int64(1), int64(2)}, none.pair("k", 1, int64(2)))
}
