package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValues(t *testing.T) {
	assert.Equal(t, []string{"n0", "n1", "n2"}, NodeIDs(3))
	for s, want := range map[string]int{"2n": 6, "5": 5, " 1n ": 3} {
		got, err := Concurrency(s, 3)
		assert.NoError(t, err, s)
		assert.Equal(t, want, got, s)
	}
	for _, bad := range []string{"0", "-1n", "n", "x", "0n"} {
		_, err := Concurrency(bad, 3)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, []string{"read-committed", "serializable"}, SplitList(":read-committed , serializable,"))
	assert.Nil(t, SplitList(""))
}
