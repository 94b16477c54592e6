package nemesis

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func nodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "n" + string(rune('0'+i))
	}
	return out
}

// hears reports whether dest hears src under g.
func hears(g Grudge, dest, src string) bool { return !slices.Contains(g[dest], src) }

// components groups nodes that hear each other both ways.
func componentSizes(g Grudge, ns []string) []int {
	seen := map[string]bool{}
	var sizes []int
	for _, a := range ns {
		if seen[a] {
			continue
		}
		size := 0
		for _, b := range ns {
			if hears(g, a, b) && hears(g, b, a) {
				seen[b] = true
				size++
			}
		}
		sizes = append(sizes, size)
	}
	slices.Sort(sizes)
	return sizes
}

func TestCleanSplits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	ns := nodes(5)
	assert.Equal(t, []int{1, 4}, componentSizes(Make("one", ns, r), ns))
	assert.Equal(t, []int{2, 3}, componentSizes(Make("majority", ns, r), ns))
	// minority-third of 5: the largest count strictly below 5/3 is 1.
	assert.Equal(t, []int{1, 4}, componentSizes(Make("minority-third", ns, r), ns))
	ns7 := nodes(7)
	assert.Equal(t, []int{2, 5}, componentSizes(Make("minority-third", ns7, r), ns7))
	// Grudges are symmetric for clean splits.
	g := Make("majority", ns, r)
	for _, a := range ns {
		for _, b := range ns {
			assert.Equal(t, hears(g, a, b), hears(g, b, a))
		}
	}
}

func TestMajoritiesRingGivesEveryNodeADistinctMajority(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{3, 5, 7, 9} {
		ns := nodes(n)
		g := Make("majorities-ring", ns, r)
		require.Len(t, g, n)
		views := map[string]bool{}
		for _, dest := range ns {
			heard := 0
			var view []string
			for _, src := range ns {
				if hears(g, dest, src) {
					heard++
					view = append(view, src)
				}
			}
			assert.Equal(t, n/2+1, heard, "node %s of %d hears exactly a majority", dest, n)
			assert.True(t, hears(g, dest, dest))
			views[joined(view)] = true
		}
		assert.Len(t, views, n, "no two nodes see the same majority")
	}
}

func joined(s []string) string {
	out := ""
	for _, x := range s {
		out += x + ","
	}
	return out
}

func TestSingleNodeAndUnknownSpec(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	g := Make("one", []string{"n0"}, r)
	assert.Empty(t, g["n0"])
	assert.Empty(t, Make("bogus", nodes(3), r))
}
