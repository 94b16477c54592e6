package errcode

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"glomers/node"
)

// The node library keeps its own table; the two must say the same of
// every code, and name the same codes.
func TestAgreesWithTheNodeLibrary(t *testing.T) {
	for code := -1; code < 1100; code++ {
		assert.Equal(t, Name(code), node.CodeName(code), "name of code %d", code)
		assert.Equal(t, Definite(code), node.IsDefinite(code), "definiteness of code %d", code)
	}
}

func TestErrors(t *testing.T) {
	e := New(PreconditionFailed, "x is 3")
	assert.True(t, e.Definite())
	assert.Equal(t, "precondition-failed", e.Name())
	assert.False(t, New(Crash, "").Definite())
	assert.False(t, New(1000, "custom").Definite(), "custom codes are indefinite")
	assert.Equal(t, "unknown", New(1000, "").Name())
}
