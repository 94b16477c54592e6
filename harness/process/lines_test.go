package process

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

type splitLine struct {
	text    string
	skipped int
}

// splitAll feeds input to a splitter in chunks of the given size and
// collects the lines, then the tail.
func splitAll(input string, max, chunk int) []splitLine {
	s := lineSplitter{max: max}
	var out []splitLine
	emit := func(line []byte, skipped int) { out = append(out, splitLine{string(line), skipped}) }
	for i := 0; i < len(input); i += chunk {
		s.feed([]byte(input[i:min(i+chunk, len(input))]), emit)
	}
	s.end(emit)
	return out
}

// Lines come out whole, newline included, however the reads cut them; a
// line over the limit (newline counted) comes out as its first 200 bytes
// and its length; the unterminated tail comes out last.
func TestLineSplitterCutsLinesAcrossReads(t *testing.T) {
	long := strings.Repeat("x", 299)
	input := "short\n" + long + "\n" + strings.Repeat("y", 50) + "\n\nend"
	want := []splitLine{
		{"short\n", 0},
		{long[:200], 300},
		{strings.Repeat("y", 50) + "\n", 0},
		{"\n", 0},
		{"end", 0},
	}
	for _, chunk := range []int{1, 2, 7, 64, 200, 1 << 16} {
		assert.Equal(t, want, splitAll(input, 100, chunk), "chunks of %d", chunk)
	}
	assert.Equal(t, []splitLine{{"a\n", 0}, {"b", 0}}, splitAll("a\nb", 2, 1), "a line of exactly the limit")
	assert.Equal(t, []splitLine{{"ab\n", 3}}, splitAll("ab\n", 2, 1), "the newline counts (the sample is the first 200 bytes)")
	assert.Empty(t, splitAll("", 10, 1))
	long = strings.Repeat("z", 500)
	assert.Equal(t, []splitLine{{long[:200], 500}}, splitAll(long, 300, 301), "an overlong tail is skipped too")
}
