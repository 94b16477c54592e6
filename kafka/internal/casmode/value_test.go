package casmode

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValueRoundTrip(t *testing.T) {
	for _, v := range []Value{{Next: 1, Owner: "n0", SendID: 1}, {Next: 42, Owner: "node:with:colons", SendID: 9}} {
		back, ok := Parse(v.Format())
		assert.True(t, ok)
		assert.Equal(t, v, back)
	}
	v, ok := Parse("")
	assert.True(t, ok)
	assert.Equal(t, 0, v.Next)
	for _, bad := range []string{"x", "1:n0", "a:n0:1", "1:n0:b", "-1:n0:1"} {
		_, ok := Parse(bad)
		assert.False(t, ok, bad)
	}
	assert.Equal(t, 0, NextOf("garbage"))
}

func TestClaimJudgedByRead(t *testing.T) {
	from := Value{Next: 5, Owner: "n1", SendID: 3}.Format()
	to := Value{Next: 6, Owner: "n0", SendID: 8}.Format()
	c := Claim{Key: "k", Offset: 5, From: from, To: to}
	assert.Equal(t, Ours, c.JudgeRead(to))
	assert.Equal(t, Lost, c.JudgeRead(Value{Next: 6, Owner: "n1", SendID: 4}.Format()), "someone else's value took offset 5")
	assert.Equal(t, Unknown, c.JudgeRead(from), "our CAS may still land")
	assert.Equal(t, Unknown, c.JudgeRead(Value{Next: 9, Owner: "n1", SendID: 4}.Format()), "moved on: need the entry at 6")
}

func TestClaimJudgedByTheValueThatAllocatedItsOffset(t *testing.T) {
	to := Value{Next: 1, Owner: "n0", SendID: 1}.Format()
	c := Claim{Key: "k", Offset: 0, To: to}
	assert.Equal(t, Unknown, c.JudgeValueOf(""))
	assert.Equal(t, Ours, c.JudgeValueOf(to))
	assert.Equal(t, Lost, c.JudgeValueOf(Value{Next: 1, Owner: "n1", SendID: 1}.Format()))
}
