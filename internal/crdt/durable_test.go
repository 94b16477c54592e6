package crdt

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sentStates records what each send carried.
type sentStates struct {
	recorder
	states []any
}

func (s *sentStates) send(ctx context.Context, peer string, body ReplicateBody) error {
	s.mu.Lock()
	s.states = append(s.states, body.State)
	s.mu.Unlock()
	return s.recorder.send(ctx, peer, body)
}

// TestDurableStateSurvivesARestart: what was saved comes back in a new
// replicator on the same directory, and goes to every peer once, though
// its own version starts at 0 again.
func TestDurableStateSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	s := &maxState{}
	r := NewReplicator(s)
	r.SetPeers([]string{"n1", "n2"})
	require.NoError(t, r.Durable(dir))
	s.set(7)
	require.NoError(t, r.Save())
	require.NoError(t, r.Receive("n1", json.RawMessage(`9`)), "a merge is saved too")
	b, err := os.ReadFile(filepath.Join(dir, snapshotFile))
	require.NoError(t, err)
	assert.Equal(t, "9", string(b))

	s2 := &maxState{}
	r2 := NewReplicator(s2)
	r2.SetPeers([]string{"n1", "n2"})
	require.NoError(t, r2.Durable(dir))
	assert.Equal(t, 9, s2.get())
	rec := &recorder{}
	assert.ElementsMatch(t, []string{"n1", "n2"}, tick(t, r2, rec), "a restored state goes to every peer")
	assert.Empty(t, tick(t, r2, rec), "once")
}

// TestDurableSendsOnlySavedStates: a change not yet saved is not sent; a
// kill could still lose it, and a peer holding it would merge it back.
func TestDurableSendsOnlySavedStates(t *testing.T) {
	s := &maxState{}
	r := NewReplicator(s)
	r.SetPeers([]string{"n1"})
	require.NoError(t, r.Durable(t.TempDir()))
	s.set(3)
	rec := &sentStates{}
	assert.Empty(t, r.Pending(), "version 1 is not saved yet")
	r.Tick(context.Background(), rec.send) // sends nothing: no wait needed
	require.NoError(t, r.Save())
	s.set(4) // not saved
	assert.Equal(t, []string{"n1"}, r.Pending())
	rec.wg.Add(1)
	r.Tick(context.Background(), rec.send)
	rec.wg.Wait()
	assert.Equal(t, []any{3}, rec.states)
}

func TestNoDataDirSavesNothing(t *testing.T) {
	r := NewReplicator(&maxState{})
	require.NoError(t, r.Durable(""))
	assert.NoError(t, r.Save())
}

func TestCorruptSnapshotIsAnError(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, snapshotFile), []byte(`"x"`), 0o644))
	assert.Error(t, NewReplicator(&maxState{}).Durable(dir))
}
