package elle

import (
	"math"
	"math/rand/v2"
)

// Defaults of Maelstrom's CLI (src/maelstrom/core.clj) and of elle/txn.clj
// wr-txns.
const (
	DefaultKeyCount        = 10
	DefaultMaxTxnLength    = 4
	DefaultMaxWritesPerKey = 16
	minTxnLength           = 1
	keyDistBase            = 2.0
)

// TxnGen is Elle's wr-txns generator: transactions of 1..maxLength
// micro-ops, each a read or a write (even odds) of one of keyCount active
// keys chosen with an exponential distribution (key i of the pool is twice
// as likely as key i-1). Each key takes the values 1, 2, ... in turn, so
// writes are unique per key; once a key has had maxWritesPerKey writes, it
// is retired and replaced in the pool by a fresh key one above the largest
// active key.
//
// Newer Elle draws each key's write budget from a Zipf distribution; the
// Elle inside Maelstrom gives every key exactly max-writes-per-key writes,
// as the real runs in ../shared/maelstrom-runs show (all retired keys
// there have 16 writes), so we do the same.
type TxnGen struct {
	rng       *rand.Rand
	maxLength int
	maxWrites int64
	scale     float64
	active    []int64
	next      map[int64]int64 // key -> next value to write
}

// NewTxnGen makes a generator; zero arguments take the defaults.
func NewTxnGen(rng *rand.Rand, keyCount, maxLength, maxWritesPerKey int) *TxnGen {
	if keyCount <= 0 {
		keyCount = DefaultKeyCount
	}
	if maxLength <= 0 {
		maxLength = DefaultMaxTxnLength
	}
	if maxWritesPerKey <= 0 {
		maxWritesPerKey = DefaultMaxWritesPerKey
	}
	g := &TxnGen{
		rng:       rng,
		maxLength: maxLength,
		maxWrites: int64(maxWritesPerKey),
		// elle.txn/key-dist-scale
		scale:  (math.Pow(keyDistBase, float64(keyCount)) - 1) * keyDistBase / (keyDistBase - 1),
		active: make([]int64, keyCount),
		next:   map[int64]int64{},
	}
	for i := range g.active {
		g.active[i] = int64(i)
	}
	return g
}

// keyIndex draws an index into the active keys (elle.txn/rand-key-i,
// :exponential).
func (g *TxnGen) keyIndex() int {
	x := g.rng.Float64()*g.scale + keyDistBase
	i := int(math.Floor(math.Log(x)/math.Log(keyDistBase) - 1))
	return min(max(i, 0), len(g.active)-1)
}

// Next returns the next transaction in the history's value form.
func (g *TxnGen) Next() []any {
	length := minTxnLength + g.rng.IntN(g.maxLength-minTxnLength+1)
	txn := make([]any, 0, length)
	for len(txn) < length {
		write := g.rng.IntN(2) == 1
		i := g.keyIndex()
		k := g.active[i]
		if !write {
			txn = append(txn, []any{"r", k, nil})
			continue
		}
		v := g.next[k]
		if v == 0 {
			v = 1
		}
		if v > g.maxWrites {
			g.retire(i)
			continue
		}
		g.next[k] = v + 1
		txn = append(txn, []any{"w", k, v})
	}
	return txn
}

func (g *TxnGen) retire(i int) {
	old := g.active[i]
	top := g.active[0]
	for _, k := range g.active {
		top = max(top, k)
	}
	delete(g.next, old)
	g.active[i] = top + 1
}
