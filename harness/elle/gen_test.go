package elle

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerator(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	g := NewTxnGen(rng, 5, 3, 4)
	written := map[any]map[any]bool{}
	keys := map[any]bool{}
	for range 5000 {
		txn := g.Next()
		require.GreaterOrEqual(t, len(txn), 1)
		require.LessOrEqual(t, len(txn), 3)
		for _, e := range txn {
			m := e.([]any)
			require.Len(t, m, 3)
			k := m[1].(int64)
			keys[k] = true
			switch m[0] {
			case "r":
				assert.Nil(t, m[2])
			case "w":
				v := m[2].(int64)
				require.GreaterOrEqual(t, v, int64(1))
				require.LessOrEqual(t, v, int64(4), "max writes per key")
				if written[k] == nil {
					written[k] = map[any]bool{}
				}
				require.False(t, written[k][v], "value %d written twice to key %d", v, k)
				written[k][v] = true
			default:
				t.Fatalf("bad f %v", m[0])
			}
		}
	}
	assert.Greater(t, len(keys), 5, "keys are retired and replaced")
	for _, a := range g.active {
		assert.Less(t, a, int64(len(keys)+5))
	}
}
