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

// ReadEach hands on every byte, in order, whether writes come while it
// waits or while it is busy with the last read, then returns nil at EOF;
// reads larger than its buffer come in buffer-sized pieces.
func TestReadEachSeesEveryWriteAndEOF(t *testing.T) {
	r, w := pipePair(t)
	var want bytes.Buffer
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for i := 0; i < 300; i++ {
			b := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i%40)
			if i%50 == 0 {
				b = bytes.Repeat([]byte{'z'}, 100_000) // more than the pipe holds
			}
			want.Write(b)
			_, err := w.Write(b)
			assert.NoError(t, err)
			if i%3 == 0 {
				time.Sleep(100 * time.Microsecond) // let the reader wait
			}
		}
		w.Close()
	}()
	var got bytes.Buffer
	reads := 0
	err := r.ReadEach(make([]byte, 4096), func(b []byte) {
		reads++
		assert.LessOrEqual(t, len(b), 4096)
		got.Write(b)
		if reads%7 == 0 {
			time.Sleep(50 * time.Microsecond) // writes land while it is busy
		}
	})
	require.NoError(t, err)
	<-wrote
	assert.Equal(t, want.Len(), got.Len())
	assert.True(t, bytes.Equal(want.Bytes(), got.Bytes()))
}

// Close ends a ReadEach that is waiting for input, with an error.
func TestCloseEndsAWaitingReadEach(t *testing.T) {
	r, _ := pipePair(t)
	done := make(chan error, 1)
	go func() { done <- r.ReadEach(make([]byte, 16), func([]byte) {}) }()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, r.Close())
	select {
	case err := <-done:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("ReadEach did not return after Close")
	}
}

// The end of the input is seen even when the writer closes right after its
// last write (the hang-up may come in the same readiness event as the
// data, which ReadEach reads short): eofRecheck later, or at once after
// Recheck.
func TestReadEachSeesTheEndOfALastWrite(t *testing.T) {
	for _, recheck := range []bool{false, true} {
		for i := 0; i < 20; i++ {
			r, w := pipePair(t)
			ended := make(chan error, 1)
			got := 0
			go func() { ended <- r.ReadEach(make([]byte, 64), func(b []byte) { got += len(b) }) }()
			time.Sleep(time.Millisecond)
			_, err := w.Write([]byte("last words"))
			require.NoError(t, err)
			require.NoError(t, w.Close())
			if recheck {
				r.Recheck()
			}
			select {
			case err := <-ended:
				require.NoError(t, err)
				assert.Equal(t, len("last words"), got)
			case <-time.After(5 * time.Second):
				t.Fatal("the end of the input was not seen")
			}
		}
	}
}
