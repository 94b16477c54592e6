package crdt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// DataDirEnv names the directory a node may keep state in across restarts
// (the harness's kill nemesis restarts a node with the same one; see
// harness/run.DataDirEnv). Maelstrom sets no such variable, and then
// nothing is saved.
const DataDirEnv = "GLOMERS_DATA_DIR"

// snapshotFile is the saved state's file name in the data directory.
const snapshotFile = "crdt-state.json"

// store saves a State's snapshot whole, atomically (a temporary file,
// fsync, rename), so a kill leaves the previous or the new one, never a
// torn one.
type store struct {
	dir string
	mu  sync.Mutex
	// The last snapshot saved, and its version: what peers may be sent,
	// since a change not yet on disk may still be lost to a kill (and a
	// peer holding it would then merge it back over later changes).
	snap    any
	version uint64
	saved   bool
}

// last returns the last snapshot saved.
func (s *store) last() (any, uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap, s.version, s.saved
}

// save writes state's current snapshot. Snapshots are taken under the
// lock, so a later save never writes an older state.
func (s *store) save(state State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, version := state.Snapshot()
	b, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.dir, snapshotFile+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, snapshotFile)); err != nil {
		return err
	}
	s.snap, s.version, s.saved = snap, version, true
	return nil
}

// load returns the saved snapshot, nil when there is none.
func (s *store) load() (json.RawMessage, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, snapshotFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Durable makes the replicator save its state in dir after every change
// it acknowledges (Save) and restores a saved one now: merged in, and
// sent once to every peer, since the process that made its changes may
// have died before they reached everyone. An empty dir does nothing.
func (r *Replicator) Durable(dir string) error {
	if dir == "" {
		return nil
	}
	s := &store{dir: dir}
	saved, err := s.load()
	if err != nil {
		return fmt.Errorf("crdt: restore: %w", err)
	}
	if saved != nil {
		if _, _, err := r.state.Merge(saved); err != nil {
			return fmt.Errorf("crdt: restore %s: %w", filepath.Join(dir, snapshotFile), err)
		}
	}
	if err := s.save(r.state); err != nil {
		return fmt.Errorf("crdt: save: %w", err)
	}
	r.mu.Lock()
	r.disk = s
	r.restored = saved != nil
	r.mu.Unlock()
	return nil
}

// Save writes the state to the data directory, if Durable gave one. Call
// it after a change and before acknowledging it, so that what a node
// acknowledged survives a kill.
func (r *Replicator) Save() error {
	r.mu.Lock()
	s := r.disk
	r.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.save(r.state)
}
