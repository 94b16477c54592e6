package main

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func n(i int) json.Number { return json.Number(fmt.Sprint(i)) }

func TestExecute(t *testing.T) {
	s := NewStore(0)
	out, ws := s.Execute([]Mop{{"r", n(1), nil}, {"w", n(1), n(5)}, {"r", n(1), nil}, {"w", n(1), n(6)}, {"w", n(2), n(7)}})
	assert.Equal(t, []Mop{{"r", n(1), nil}, {"w", n(1), n(5)}, {"r", n(1), n(5)}, {"w", n(1), n(6)}, {"w", n(2), n(7)}}, out)
	// Only the final write of each key is replicated: never an
	// intermediate value.
	require.Len(t, ws, 2)
	assert.Equal(t, Write{Key: n(1), Value: n(6), TS: TS{C: 1, N: 0}}, ws[0])
	assert.Equal(t, Write{Key: n(2), Value: n(7), TS: TS{C: 1, N: 0}}, ws[1])

	out, ws = s.Execute([]Mop{{"r", n(1), nil}, {"r", n(2), nil}, {"r", n(3), nil}})
	assert.Equal(t, []Mop{{"r", n(1), n(6)}, {"r", n(2), n(7)}, {"r", n(3), nil}}, out)
	assert.Empty(t, ws)
}

func TestApplyLastWriterWins(t *testing.T) {
	s := NewStore(1)
	s.Apply([]Write{{Key: n(1), Value: n(1), TS: TS{C: 5, N: 0}}})
	s.Apply([]Write{{Key: n(1), Value: n(2), TS: TS{C: 4, N: 2}}}) // older: ignored
	s.Apply([]Write{{Key: n(1), Value: n(1), TS: TS{C: 5, N: 0}}}) // duplicate: no-op
	assert.Equal(t, map[string]any{"1": n(1)}, s.Snapshot())
	s.Apply([]Write{{Key: n(1), Value: n(3), TS: TS{C: 5, N: 2}}}) // same counter, higher node
	assert.Equal(t, map[string]any{"1": n(3)}, s.Snapshot())

	// A local write after reading a replicated value gets a higher
	// timestamp, so every replica orders them the same way.
	_, ws := s.Execute([]Mop{{"r", n(1), nil}, {"w", n(1), n(4)}})
	require.Len(t, ws, 1)
	assert.True(t, (TS{C: 5, N: 2}).Less(ws[0].TS), "%v", ws[0].TS)
}

// TestNoIntermediateReads runs writers that set a key to an odd value and
// then an even one in the same txn, against readers: no reader may see an
// odd value.
func TestNoIntermediateReads(t *testing.T) {
	s := NewStore(0)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				v := (w*1000 + i) * 2
				s.Execute([]Mop{{"w", n(1), n(v + 1)}, {"w", n(1), n(v)}})
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				out, _ := s.Execute([]Mop{{"r", n(1), nil}, {"r", n(1), nil}})
				if out[0][2] == nil {
					continue
				}
				var v int
				fmt.Sscan(out[0][2].(json.Number).String(), &v)
				assert.Equal(t, 0, v%2, "intermediate value %d read", v)
				assert.Equal(t, out[0][2], out[1][2], "value changed inside a txn")
			}
		}()
	}
	wg.Wait()
}

func TestDecodeTxn(t *testing.T) {
	txn, err := decodeTxn([]byte(`{"type":"txn","msg_id":1,"txn":[["r",1,null],["w",1,12345678901234567]]}`))
	require.NoError(t, err)
	assert.Equal(t, []Mop{{"r", n(1), nil}, {"w", n(1), json.Number("12345678901234567")}}, txn)
	for _, bad := range []string{
		`{"type":"txn"}`,
		`{"type":"txn","txn":[["r",1]]}`,
		`{"type":"txn","txn":[["x",1,2]]}`,
		`{"type":"txn","txn":5}`,
	} {
		_, err := decodeTxn([]byte(bad))
		assert.Error(t, err, bad)
	}
}
