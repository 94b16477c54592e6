package crdt

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxState is the smallest CRDT there is: a number whose merge is max.
type maxState struct {
	mu      sync.Mutex
	v       int
	version uint64
}

func (s *maxState) set(v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v > s.v {
		s.v = v
		s.version++
	}
}

func (s *maxState) get() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v
}

func (s *maxState) Snapshot() (any, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v, s.version
}

func (s *maxState) Merge(raw json.RawMessage) (bool, uint64, error) {
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, 0, err
	}
	s.set(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	return v == s.v, s.version, nil
}

// recorder is a Send that records each call and answers with err.
type recorder struct {
	mu    sync.Mutex
	sent  []string
	err   error
	block chan struct{}
	wg    sync.WaitGroup
}

func (r *recorder) send(_ context.Context, peer string, body ReplicateBody) error {
	defer r.wg.Done()
	r.mu.Lock()
	r.sent = append(r.sent, peer)
	err := r.err
	r.mu.Unlock()
	if r.block != nil {
		<-r.block
	}
	return err
}

// tick ticks and waits for the sends it started, results noted.
func tick(t *testing.T, r *Replicator, rec *recorder) []string {
	t.Helper()
	rec.mu.Lock()
	rec.sent = nil
	rec.mu.Unlock()
	rec.wg.Add(len(r.Pending()))
	r.Tick(context.Background(), rec.send)
	rec.wg.Wait()
	// Without this the next tick's Pending could count a peer whose send
	// returned but whose ack is not yet noted, and then wait for a send
	// that Tick rightly does not start (it is still in flight).
	waitIdle(t, r)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.sent...)
}

func TestTickSendsOnlyWhatPeersLack(t *testing.T) {
	s := &maxState{}
	r := NewReplicator(s)
	r.SetPeers([]string{"n1", "n2"})
	rec := &recorder{}
	assert.Empty(t, tick(t, r, rec), "an empty state is not sent")

	s.set(5)
	assert.ElementsMatch(t, []string{"n1", "n2"}, tick(t, r, rec))
	assert.Empty(t, tick(t, r, rec), "both acknowledged version 1")

	s.set(7)
	rec.err = errors.New("partitioned")
	assert.ElementsMatch(t, []string{"n1", "n2"}, tick(t, r, rec))
	assert.ElementsMatch(t, []string{"n1", "n2"}, tick(t, r, rec), "unacknowledged states are resent")

	// n1 sends a state that covers ours: it needs nothing from us.
	rec.err = nil
	require.NoError(t, r.Receive("n1", json.RawMessage(`9`)))
	assert.Equal(t, []string{"n2"}, tick(t, r, rec))
	// n2 sends an older state: merging keeps ours, and n2 still lacks it.
	require.NoError(t, r.Receive("n2", json.RawMessage(`3`)))
	s.set(10)
	assert.ElementsMatch(t, []string{"n1", "n2"}, tick(t, r, rec))
	assert.Error(t, r.Receive("n2", json.RawMessage(`"x"`)))
}

func TestNoSecondSendWhileOneIsInFlight(t *testing.T) {
	s := &maxState{}
	r := NewReplicator(s)
	r.SetPeers([]string{"n1"})
	rec := &recorder{block: make(chan struct{})}
	s.set(1)
	rec.wg.Add(1)
	r.Tick(context.Background(), rec.send)
	s.set(2)
	r.Tick(context.Background(), rec.send) // n1 is still busy
	close(rec.block)
	rec.wg.Wait()
	assert.Equal(t, []string{"n1"}, rec.sent)
	assert.Equal(t, []string{"n1"}, r.Pending(), "the ack was for version 1")
}

// TestConvergesOverALossyNetwork: three replicas tick over a network that
// drops half the replicates (before or after delivery) until every
// replica holds every value; then nothing more is sent.
func TestConvergesOverALossyNetwork(t *testing.T) {
	ids := []string{"n0", "n1", "n2"}
	states := map[string]*maxState{}
	reps := map[string]*Replicator{}
	for _, id := range ids {
		states[id] = &maxState{}
		reps[id] = NewReplicator(states[id])
		var peers []string
		for _, p := range ids {
			if p != id {
				peers = append(peers, p)
			}
		}
		reps[id].SetPeers(peers)
	}
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	lossy := true
	sendFrom := func(from string) Send {
		return func(_ context.Context, peer string, body ReplicateBody) error {
			mu.Lock()
			drop := lossy && rng.IntN(2) == 0
			ackLost := lossy && rng.IntN(2) == 0
			mu.Unlock()
			if drop {
				return errors.New("dropped")
			}
			b, _ := json.Marshal(body.State)
			if err := reps[peer].Receive(from, b); err != nil {
				return err
			}
			if ackLost {
				return errors.New("ack dropped")
			}
			return nil
		}
	}
	states["n0"].set(3)
	states["n1"].set(8)
	states["n2"].set(5)
	for round := 0; round < 50; round++ {
		if round == 30 {
			mu.Lock()
			lossy = false
			mu.Unlock()
		}
		for _, id := range ids {
			reps[id].Tick(context.Background(), sendFrom(id))
			waitIdle(t, reps[id])
		}
	}
	for _, id := range ids {
		assert.Equal(t, 8, states[id].get(), id)
		assert.Empty(t, reps[id].Pending(), id)
	}
}

// waitIdle waits until r has no replicate in flight: its send goroutines
// have returned and noted their results (a WaitGroup done inside send
// would return before that bookkeeping, so the next Tick could still see
// the peer busy).
func waitIdle(t *testing.T, r *Replicator) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		busy := false
		for _, b := range r.inflight {
			busy = busy || b
		}
		r.mu.Unlock()
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("replicates still in flight after 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}
