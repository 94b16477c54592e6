package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"glomers/raft/internal/raft"
)

// Storage keeps what Raft must not forget across a crash: the hard state
// (term and vote) and the log.
type Storage interface {
	// Load returns what was saved.
	Load() (raft.HardState, []raft.Entry, error)
	// Save records hs (if not nil) and entries, which replace any saved
	// entries from entries[0].Index on, durably, before it returns.
	Save(hs *raft.HardState, entries []raft.Entry) error
	Close() error
}

// MemStorage keeps state in memory only: enough where nodes are never
// killed (Maelstrom), fatal where they are.
type MemStorage struct {
	hs  raft.HardState
	log []raft.Entry
}

// Load returns what was saved.
func (m *MemStorage) Load() (raft.HardState, []raft.Entry, error) { return m.hs, m.log, nil }

// Save records hs and entries.
func (m *MemStorage) Save(hs *raft.HardState, entries []raft.Entry) error {
	if hs != nil {
		m.hs = *hs
	}
	if len(entries) > 0 {
		m.log = append(m.log[:entries[0].Index-1], entries...)
	}
	return nil
}

// Close does nothing.
func (m *MemStorage) Close() error { return nil }

// FileStorage is an append-only file of JSON lines, one record each: a
// hard state, or a log entry. Replaying it, the last hard state wins and
// an entry at index i drops any entries from i on, as a follower's log
// does when a leader overwrites it. Every Save ends with an fsync, so what
// a Save returned for survives SIGKILL. A record torn by a kill mid-write
// is the file's last line; Open cuts it off.
//
// The file only grows: there are no snapshots, which is fine for runs of
// a minute and would not be for a real deployment.
type FileStorage struct {
	f   *os.File
	w   *bufio.Writer
	hs  raft.HardState
	log []raft.Entry
	// ForgetVote is a deliberate bug for tests: the hard state (term and
	// vote) is not saved, only the log, so a restarted node starts again
	// at term 0 and may vote again in terms it voted in already.
	ForgetVote bool
}

// record is one line of the file.
type record struct {
	HardState *raft.HardState `json:"hs,omitempty"`
	Entry     *raft.Entry     `json:"e,omitempty"`
}

// StateFile is the file's name inside the data directory.
const StateFile = "raft.jsonl"

// OpenFileStorage opens (creating it if need be) dir/StateFile and reads
// it back.
func OpenFileStorage(dir string) (*FileStorage, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, StateFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	s := &FileStorage{f: f}
	good, err := s.replay(f)
	if err == nil {
		// Drop a torn last record so that new records start on a line
		// of their own.
		err = f.Truncate(good)
	}
	if err == nil {
		_, err = f.Seek(good, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("raft state %s: %w", f.Name(), err)
	}
	s.w = bufio.NewWriter(f)
	return s, nil
}

// replay reads records up to the first incomplete or unreadable one and
// returns the offset where it ends.
func (s *FileStorage) replay(r io.Reader) (int64, error) {
	br := bufio.NewReader(r)
	var good int64
	for {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return good, nil // an unterminated last line is torn
		}
		if err != nil {
			return good, err
		}
		var rec record
		if json.Unmarshal(bytes.TrimSpace(line), &rec) != nil {
			return good, nil
		}
		s.apply(rec)
		good += int64(len(line))
	}
}

func (s *FileStorage) apply(rec record) {
	if rec.HardState != nil {
		s.hs = *rec.HardState
	}
	if e := rec.Entry; e != nil && e.Index >= 1 && e.Index <= uint64(len(s.log))+1 {
		s.log = append(s.log[:e.Index-1], *e)
	}
}

// Load returns the replayed state.
func (s *FileStorage) Load() (raft.HardState, []raft.Entry, error) { return s.hs, s.log, nil }

// Save appends the records and fsyncs.
func (s *FileStorage) Save(hs *raft.HardState, entries []raft.Entry) error {
	if hs == nil && len(entries) == 0 {
		return nil
	}
	enc := json.NewEncoder(s.w)
	if hs != nil && !s.ForgetVote {
		if err := enc.Encode(record{HardState: hs}); err != nil {
			return err
		}
		s.apply(record{HardState: hs})
	}
	for i := range entries {
		e := entries[i]
		if err := enc.Encode(record{Entry: &e}); err != nil {
			return err
		}
		s.apply(record{Entry: &e})
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	return s.f.Sync()
}

// Close closes the file.
func (s *FileStorage) Close() error { return s.f.Close() }
