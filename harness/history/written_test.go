package history

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkWrittenFileScanRaw reads the history.jsonl named by
// $KAFKA_CHECK_HISTORY as the kafka checker's pass does (values
// undecoded); skipped when unset.
func BenchmarkWrittenFileScanRaw(b *testing.B) {
	path := os.Getenv("KAFKA_CHECK_HISTORY")
	if path == "" {
		b.Skip("KAFKA_CHECK_HISTORY not set")
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := WrittenFile(path).ScanRaw(func(o *Op, v []byte) error { n += len(v); return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// valueEndByByte is layoutReader.value's end as found one byte at a time.
func valueEndByByte(b []byte) (int, bool) {
	i, depth := 0, 0
	if len(b) == 0 {
		return 0, false
	}
	switch b[0] {
	case '"', '[', '{':
	default:
		for i < len(b) && !scalarEnd[b[i]] {
			i++
		}
		return i, i > 0
	}
	for {
		for i < len(b) && !structural[b[i]] {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case '"':
			end, ok := stringEnd(b, i)
			if !ok {
				return 0, false
			}
			i = end
		case '[', '{':
			depth++
			i++
		default:
			depth--
			i++
		}
		if depth == 0 {
			return i, true
		}
	}
}

// value finds the end byte-wise and eight bytes at a time alike.
func TestLayoutValueEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabets := [][]byte{[]byte(`[]{}",0123456789\ `), []byte(`[[[]]]{},0123456789`)}
	check := func(b []byte) {
		p := layoutReader{b: b}
		var raw []byte
		ok := p.value(&raw)
		end, wantOK := valueEndByByte(b)
		require.Equal(t, wantOK, ok, "%q", b)
		if ok {
			require.Equal(t, end, len(raw), "%q", b)
			require.Equal(t, end, p.i, "%q", b)
		}
	}
	for _, s := range []string{
		`[[0,1],[1,2],[2,3],[3,4]],"node":"n1"}`, `{"1004":[[0,1],[1,2]],"1005":[[0,2]]}]]}`,
		`[["poll",{"a":[[0,1]]}]],"x"`, `[[[[[[[[[[]]]]]]]]]]]]`, `["a\"]]]]]]]]]]]]",1]`, `"abc"`, `12,`, `[`,
	} {
		check([]byte(s))
	}
	for n := 0; n < 20000; n++ {
		alphabet := alphabets[n%2]
		b := make([]byte, 1+rng.IntN(60))
		b[0] = "[{\""[rng.IntN(3)]
		for i := 1; i < len(b); i++ {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		check(b)
	}
}
