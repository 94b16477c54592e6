package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"glomers/harness/check"
)

// As in both real kafka runs' results.edn: crash is false by f, :stats is
// true; any other false f keeps the plain merge.
func TestStatsValidity(t *testing.T) {
	assert.Equal(t, check.Valid, StatsValidity(map[string]check.Validity{
		"assign": check.Valid, "crash": check.Invalid, "poll": check.Valid, "send": check.Valid}))
	assert.Equal(t, check.Valid, StatsValidity(map[string]check.Validity{
		"poll": check.Unknown, "debug-topic-partitions": check.Invalid}))
	assert.Equal(t, check.Invalid, StatsValidity(map[string]check.Validity{
		"send": check.Invalid, "crash": check.Invalid, "poll": check.Valid}))
	assert.True(t, StatsExempt("crash"))
	assert.False(t, StatsExempt("poll"))
}

func TestKeyOrder(t *testing.T) {
	ks := []string{"10", "b", "9", "a", "-1"}
	sortKeys(ks)
	assert.Equal(t, []string{"-1", "9", "10", "a", "b"}, ks)
	assert.Equal(t, "5", keyString(int64(5)))
	assert.Equal(t, "5", keyString(5.0))
	assert.Equal(t, "x", keyString("x"))
}
