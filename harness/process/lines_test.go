package process

import (
	"bufio"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReadLineKeepsItsBoundBelowTheBuffer: a limit smaller than the read
// buffer holds too, for a line that fits in one read.
func TestReadLineKeepsItsBoundBelowTheBuffer(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("short\n"+strings.Repeat("x", 99)+"\nend"), 1<<16)
	line, skipped, err := readLine(br, 50)
	assert.NoError(t, err)
	assert.Equal(t, "short\n", string(line))
	assert.Zero(t, skipped)
	line, skipped, err = readLine(br, 50)
	assert.NoError(t, err)
	assert.Equal(t, 100, skipped, "99 bytes and the newline")
	assert.Len(t, line, 100)
	line, skipped, err = readLine(br, 50)
	assert.Error(t, err)
	assert.Equal(t, "end", string(line))
	assert.Zero(t, skipped)
}
