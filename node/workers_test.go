package node

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Stress the hand-off between dispatchers and idle workers with a linger
// so short that workers constantly time out while jobs arrive: no job may
// be lost or run twice, and idle workers must go away.
func TestWorkersRunEveryJobOnce(t *testing.T) {
	const dispatchers, each = 4, 5000
	var ran sync.Map
	var count atomic.Int64
	w := newWorkers(func(j job) {
		if _, dup := ran.LoadOrStore(j.msg.hdr.msgID, true); dup {
			t.Errorf("job %d ran twice", j.msg.hdr.msgID)
		}
		if j.msg.hdr.msgID%7 == 0 {
			time.Sleep(time.Duration(rand.IntN(50)) * time.Microsecond)
		}
		count.Add(1)
	})
	w.linger = 50 * time.Microsecond
	var wg sync.WaitGroup
	for d := 0; d < dispatchers; d++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				w.dispatch(job{msg: Message{hdr: header{msgID: d*each + i}}})
				if i%100 == 0 {
					time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
				}
			}
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { return count.Load() == dispatchers*each }, 10*time.Second, time.Millisecond)
	assert.Zero(t, w.busy.Load())
	require.Eventually(t, func() bool { return w.idleCount() == 0 }, 5*time.Second, time.Millisecond,
		"idle workers must exit after the linger")
}

func (w *workers) idleCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.idle)
}

// After quit, idle workers are gone and a late job still runs (on a fresh
// goroutine that exits after it).
func TestWorkersQuit(t *testing.T) {
	var count atomic.Int64
	w := newWorkers(func(job) { count.Add(1) })
	for i := 0; i < 10; i++ {
		w.dispatch(job{})
	}
	require.Eventually(t, func() bool { return count.Load() == 10 && w.idleCount() > 0 }, 5*time.Second, time.Millisecond)
	w.quit()
	assert.Zero(t, w.idleCount())
	w.dispatch(job{})
	require.Eventually(t, func() bool { return count.Load() == 11 }, 5*time.Second, time.Millisecond)
	assert.Zero(t, w.idleCount(), "no worker parks after quit")
}
