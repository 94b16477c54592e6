package nemesis

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTargetsSizes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		spec string
		n    int
		want int
	}{
		{"one", 5, 1}, {"minority-third", 5, 1}, {"minority-third", 3, 0},
		{"minority", 5, 2}, {"minority", 3, 1}, {"majority", 5, 3}, {"majority", 4, 3},
		{"all", 5, 5}, {"bogus", 5, 0},
	} {
		assert.Len(t, Targets(tc.spec, nodes(tc.n), r), tc.want, "%s of %d", tc.spec, tc.n)
	}
	sizes := map[int]bool{}
	for range 200 {
		got := Targets("", nodes(3), r)
		assert.NotEmpty(t, got, "a random subset is never empty")
		sizes[len(got)] = true
	}
	assert.Len(t, sizes, 3, "random subsets of every size 1..3")
}
