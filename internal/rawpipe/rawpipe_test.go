package rawpipe

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pipePair(t *testing.T) (r, w *Pipe) {
	t.Helper()
	rf, wf, err := os.Pipe()
	require.NoError(t, err)
	r, ok := New(rf)
	require.True(t, ok)
	w, ok = New(wf)
	require.True(t, ok)
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func TestReadWaitsForWriteAndSeesEOF(t *testing.T) {
	r, w := pipePair(t)
	got := make(chan []byte)
	go func() {
		b, err := io.ReadAll(r)
		assert.NoError(t, err)
		got <- b
	}()
	time.Sleep(10 * time.Millisecond) // the reader waits in the poller
	_, err := w.Write([]byte("hello\n"))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	select {
	case b := <-got:
		assert.Equal(t, "hello\n", string(b))
	case <-time.After(5 * time.Second):
		t.Fatal("reader never saw the write and EOF")
	}
}

func TestTryWriteStopsAtAFullPipeAndWriteWaits(t *testing.T) {
	r, w := pipePair(t)
	big := bytes.Repeat([]byte("x"), 1<<20) // far more than a pipe holds
	n, err := w.TryWrite(big)
	require.NoError(t, err)
	require.Positive(t, n)
	require.Less(t, n, len(big), "a full pipe takes only part")
	n2, err := w.TryWrite(big)
	require.NoError(t, err)
	assert.Zero(t, n2, "nothing more fits")

	// Write waits for the reader and then finishes.
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(big[n:])
		done <- err
	}()
	buf := make([]byte, len(big))
	_, err = io.ReadFull(r, buf)
	require.NoError(t, err)
	require.NoError(t, <-done)
	assert.Equal(t, big, buf)
}

func TestCloseEndsAWaitingRead(t *testing.T) {
	r, _ := pipePair(t)
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 10))
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, r.Close())
	select {
	case err := <-done:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the read")
	}
}

func TestPollableLeavesFilesAlone(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	require.NoError(t, err)
	defer f.Close()
	g, ok := Pollable(f)
	assert.False(t, ok)
	assert.Same(t, f, g)
}

func TestWriteToAClosedReaderFails(t *testing.T) {
	r, w := pipePair(t)
	require.NoError(t, r.Close())
	_, err := w.Write([]byte("x"))
	assert.Error(t, err)
	_, err = w.TryWrite([]byte("x"))
	assert.Error(t, err)
}
