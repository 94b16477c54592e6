package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteReplacesWholeOrNotAtAll(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "history.jsonl")
	require.NoError(t, WriteBytes(path, []byte("old\n")))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())

	failed := errors.New("cut short")
	err = Write(path, func(w io.Writer) error {
		w.Write([]byte("half a li"))
		return failed
	})
	assert.ErrorIs(t, err, failed)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "old\n", string(b), "a failed write leaves the old file")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")

	require.NoError(t, WriteBytes(path, []byte("new\n")))
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new\n", string(b))
}
