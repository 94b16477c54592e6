package run

import (
	"io"
	"sync"
)

// syncWriter serialises writes to the log, which the nemesis goroutines
// (partitions; pauses and kills) write to at the same time.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
