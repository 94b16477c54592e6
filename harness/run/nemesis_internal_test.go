package run

import (
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestNemesisActsOnAllTargetsAtOnce: every target's action runs at the
// same time, so one slow node (a restart waiting for init) does not delay
// the others. An action that waits for all of them to have begun could
// never finish if they ran one after another.
func TestNemesisActsOnAllTargetsAtOnce(t *testing.T) {
	tt := &test{rec: newRecorder(time.Now(), nil, true), log: io.Discard}
	targets := []string{"n0", "n1", "n2", "n3"}
	var begun sync.WaitGroup
	begun.Add(len(targets))
	all := make(chan struct{})
	go func() { begun.Wait(); close(all) }()
	tt.nemesisOpOn("start", "all", targets, func(id string) string {
		begun.Done()
		select {
		case <-all:
			return "started"
		case <-time.After(5 * time.Second):
			return "alone"
		}
	})
	h := tt.rec.history()
	assert.Len(t, h, 2)
	assert.Equal(t, map[string]any{"n0": "started", "n1": "started", "n2": "started", "n3": "started"}, h[1].Value)
}
