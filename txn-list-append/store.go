package main

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"glomers/node"
)

// The database is Maelstrom's Datomic tutorial (doc/05-datomic in
// jepsen-io/maelstrom) with its exercises done: one root value in lin-kv
// names immutable thunks kept in lww-kv, and every transaction commits by
// a compare-and-set of the root, which makes the whole history strict
// serializable (each transaction takes effect at its CAS, or, for a batch
// of reads only, at the lin-kv read of the root it ran on).
//
// Where the tutorial writes a thunk per key and a map thunk per
// transaction, here keys hash into Buckets buckets, and one commit writes a
// single thunk, a Segment, holding the new contents of the buckets it
// changed; the root maps each bucket to the segment holding its latest
// contents, so it stays small however many keys there are. Each node
// commits its transactions in batches (group commit): one segment write
// and one CAS serve every transaction queued while the previous batch
// committed. Thunks never change, so every node caches them; a node that
// commits pushes the new segment and root to its peers, which spares them
// the lww-kv reads (and retries, since lww-kv may not have it yet) and the
// failed CAS a stale root would cost them. The push is only a hint: a
// stale or missing one costs a retry, never correctness.

// Buckets is the number of buckets keys hash into.
const Buckets = 64

// RootKey is the lin-kv key of the root.
const RootKey = "root"

// Root is the value of RootKey: a version that grows by one with every
// commit, and for each bucket ever written, the id of the segment holding
// its contents.
type Root struct {
	Version  uint64            `json:"v"`
	Segments map[string]string `json:"s"` // bucket number -> segment id
}

// Segment is an immutable thunk: bucket number -> key -> list.
type Segment map[string]map[string][]json.RawMessage

// Push is what a node that committed tells its peers.
type Push struct {
	Root    *Root   `json:"root"`
	ID      string  `json:"id"`
	Segment Segment `json:"segment"`
}

// KV is what the store needs of a Maelstrom key-value service (node.KV).
type KV interface {
	ReadRaw(ctx context.Context, key string) (json.RawMessage, error)
	Write(ctx context.Context, key string, value any) error
	CompareAndSwap(ctx context.Context, key string, from, to any, createIfNotExists bool) error
}

// StoreConfig bounds the store's work.
type StoreConfig struct {
	MaxBatch    int           // transactions per commit at most
	MaxAttempts int           // CAS attempts per batch before txn-conflict
	Deadline    time.Duration // per batch; below the client's 5 s timeout
}

// DefaultStoreConfig suits Maelstrom's defaults.
var DefaultStoreConfig = StoreConfig{MaxBatch: 64, MaxAttempts: 100, Deadline: 3 * time.Second}

// Store runs transactions on the database from one node.
type Store struct {
	lin, lww KV
	newID    func() string
	push     func(Push) // tells the peers; nil for none
	cfg      StoreConfig
	queue    chan *request

	mu    sync.Mutex
	root  *Root              // the newest root this node knows of; nil: none yet
	segs  map[string]Segment // cache of immutable segments
	added int                // segments cached since the last prune
}

// pruneEvery is how many segments are cached between prunes, which drop
// the segments the newest root no longer names (at most Buckets stay):
// without it the cache holds every segment of the run.
const pruneEvery = 4 * Buckets

// cacheLocked caches a segment, pruning now and then; s.mu is held.
func (s *Store) cacheLocked(id string, seg Segment) {
	s.segs[id] = seg
	s.added++
	if s.added < pruneEvery || s.root == nil {
		return
	}
	s.added = 0
	live := make(map[string]bool, len(s.root.Segments))
	for _, sid := range s.root.Segments {
		live[sid] = true
	}
	for sid := range s.segs {
		if !live[sid] {
			delete(s.segs, sid)
		}
	}
}

type request struct {
	txn      []Mop
	deadline time.Time
	done     chan result // buffered
}

type result struct {
	txn []Completed
	err error
}

// NewStore returns a store on lin (the root) and lww (the thunks); newID
// makes ids unique across the cluster, push (may be nil) tells peers of a
// commit. Run must be running for Transact to return.
func NewStore(lin, lww KV, newID func() string, push func(Push), cfg StoreConfig) *Store {
	return &Store{
		lin: lin, lww: lww, newID: newID, push: push, cfg: cfg,
		queue: make(chan *request, 4096),
		segs:  map[string]Segment{},
	}
}

// Transact queues txn for the next batch and waits for its outcome. An
// error is an *node.RPCError: definite when the transaction surely did not
// happen.
func (s *Store) Transact(ctx context.Context, txn []Mop) ([]Completed, error) {
	deadline := time.Now().Add(s.cfg.Deadline)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	r := &request{txn: txn, deadline: deadline, done: make(chan result, 1)}
	select {
	case s.queue <- r:
	default:
		return nil, node.NewRPCError(node.TemporarilyUnavailable, "too many transactions queued")
	}
	select {
	case res := <-r.done:
		return res.txn, res.err
	case <-ctx.Done():
		return nil, node.NewRPCErrorf(node.Timeout, "transaction outcome unknown: %v", ctx.Err())
	}
}

// Run commits queued transactions, a batch at a time, until ctx ends.
func (s *Store) Run(ctx context.Context) {
	for {
		var batch []*request
		select {
		case <-ctx.Done():
			return
		case r := <-s.queue:
			batch = append(batch, r)
		}
	drain:
		for len(batch) < s.cfg.MaxBatch {
			select {
			case r := <-s.queue:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commit(ctx, batch)
	}
}

// Receive takes a peer's push: the segment goes into the cache, and the
// root replaces ours if it is newer.
func (s *Store) Receive(p Push) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Root != nil && (s.root == nil || p.Root.Version > s.root.Version) {
		s.root = p.Root
	}
	if p.ID != "" && p.Segment != nil {
		s.cacheLocked(p.ID, p.Segment)
	}
}

func bucketOf(key string) string {
	h := fnv.New32a()
	h.Write([]byte(key))
	return strconv.Itoa(int(h.Sum32() % Buckets))
}

// commit runs one batch: transactions whose deadline has passed are
// dropped unexecuted (their callers have given up, and a transaction
// nobody waits for must not take effect later).
func (s *Store) commit(ctx context.Context, batch []*request) {
	now := time.Now()
	live := batch[:0]
	deadline := now.Add(s.cfg.Deadline)
	for _, r := range batch {
		if now.After(r.deadline) {
			r.done <- result{err: node.NewRPCError(node.TemporarilyUnavailable, "queued past its deadline")}
			continue
		}
		if r.deadline.Before(deadline) {
			deadline = r.deadline
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	readOnly := true
	for _, r := range live {
		for _, m := range r.txn {
			readOnly = readOnly && m.F == "r"
		}
	}
	if readOnly {
		s.commitReads(ctx, live)
		return
	}
	s.commitWrites(ctx, live)
}

// commitReads runs a batch without appends on the root as lin-kv has it
// now: each transaction then takes effect at that read, which happened
// while it was pending.
func (s *Store) commitReads(ctx context.Context, batch []*request) {
	root, err := s.readRoot(ctx)
	if err != nil {
		failAll(batch, definite(err))
		return
	}
	for _, r := range batch {
		done, _, err := Execute(r.txn, func(key string) ([]json.RawMessage, error) {
			return s.list(ctx, root, nil, key)
		})
		if err != nil {
			r.done <- result{err: definite(err)}
			continue
		}
		r.done <- result{txn: done}
	}
}

// commitWrites runs the batch on the newest root this node knows of,
// writes the buckets it changed as one segment, and moves the root by CAS;
// when the root has moved on meanwhile, it rereads it and runs the batch
// again (nothing of the failed attempt is visible: its segment is named by
// no root).
func (s *Store) commitWrites(ctx context.Context, batch []*request) {
	for attempt := 1; ; attempt++ {
		s.mu.Lock()
		base := s.root
		s.mu.Unlock()

		changed := map[string]map[string][]json.RawMessage{} // bucket -> new contents
		results := make([]result, len(batch))
		for i, r := range batch {
			done, writes, err := Execute(r.txn, func(key string) ([]json.RawMessage, error) {
				return s.list(ctx, base, changed, key)
			})
			if err != nil {
				failAll(batch, definite(err))
				return
			}
			results[i].txn = done
			for key, l := range writes {
				b := bucketOf(key)
				if changed[b] == nil {
					old, err := s.bucket(ctx, base, b)
					if err != nil {
						failAll(batch, definite(err))
						return
					}
					changed[b] = maps.Clone(old)
					if changed[b] == nil {
						changed[b] = map[string][]json.RawMessage{}
					}
				}
				changed[b][key] = l
			}
		}

		// The segment is written while the root is swapped, to halve the
		// commit's time (and the window in which another node's commit
		// can make this one's CAS fail). A reader that finds the segment
		// named before lww-kv has it waits for it (see segment).
		id := s.newID()
		seg := Segment(changed)
		written := make(chan error, 1)
		go func() { written <- s.lww.Write(ctx, id, seg) }()
		next := &Root{Segments: map[string]string{}}
		var from any
		if base != nil {
			next.Version = base.Version
			maps.Copy(next.Segments, base.Segments)
			from = base
		}
		next.Version++
		for b := range changed {
			next.Segments[b] = id
		}
		err := s.lin.CompareAndSwap(ctx, RootKey, from, next, base == nil)
		if werr := <-written; werr != nil && err == nil {
			// The root names the segment now: it must reach lww-kv.
			go s.rewrite(id, seg)
		}
		switch {
		case err == nil:
			s.mu.Lock()
			if s.root == nil || next.Version > s.root.Version {
				s.root = next
			}
			s.cacheLocked(id, seg)
			s.mu.Unlock()
			if s.push != nil {
				s.push(Push{Root: next, ID: id, Segment: seg})
			}
			for i, r := range batch {
				r.done <- results[i]
			}
			return
		case node.HasCode(err, node.PreconditionFailed), node.HasCode(err, node.KeyDoesNotExist):
			if attempt >= s.cfg.MaxAttempts {
				failAll(batch, node.NewRPCErrorf(node.TxnConflict, "root moved on %d times", attempt))
				return
			}
			if _, err := s.readRoot(ctx); err != nil {
				failAll(batch, definite(err))
				return
			}
			// Nodes that keep colliding back off, at random, so that the
			// one that lost is not always the one that loses again.
			if attempt > 1 {
				sleep(ctx, time.Duration(rand.Int64N(int64(time.Millisecond)<<min(attempt-1, 4))))
			}
		default:
			// The CAS may or may not have happened (a timeout): the batch's
			// outcome is unknown, and so is the root.
			s.mu.Lock()
			s.root = nil
			s.mu.Unlock()
			failAll(batch, node.NewRPCErrorf(node.Timeout, "commit outcome unknown: %v", err))
			return
		}
	}
}

// rewrite writes a committed segment whose first write failed until a
// write succeeds (lww-kv writes are idempotent for a thunk id, written
// once with one value).
func (s *Store) rewrite(id string, seg Segment) {
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.lww.Write(ctx, id, seg)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(time.Millisecond << min(attempt, 7))
	}
}

// readRoot reads the root from lin-kv and makes it this node's newest.
func (s *Store) readRoot(ctx context.Context) (*Root, error) {
	raw, err := s.lin.ReadRaw(ctx, RootKey)
	if node.HasCode(err, node.KeyDoesNotExist) {
		s.mu.Lock()
		s.root = nil
		s.mu.Unlock()
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var root Root
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, node.NewRPCErrorf(node.Crash, "root is not a root: %v", err)
	}
	s.mu.Lock()
	s.root = &root
	s.mu.Unlock()
	return &root, nil
}

// list returns key's list in the state root, with the batch's changed
// buckets over it.
func (s *Store) list(ctx context.Context, root *Root, changed map[string]map[string][]json.RawMessage, key string) ([]json.RawMessage, error) {
	b := bucketOf(key)
	if c, ok := changed[b]; ok {
		return c[key], nil
	}
	bucket, err := s.bucket(ctx, root, b)
	if err != nil {
		return nil, err
	}
	return bucket[key], nil
}

// bucket returns bucket b's contents in the state root (nil: empty).
func (s *Store) bucket(ctx context.Context, root *Root, b string) (map[string][]json.RawMessage, error) {
	if root == nil {
		return nil, nil
	}
	id, ok := root.Segments[b]
	if !ok {
		return nil, nil
	}
	seg, err := s.segment(ctx, id)
	if err != nil {
		return nil, err
	}
	return seg[b], nil
}

// segment returns a segment from the cache or lww-kv. lww-kv may not have
// a segment yet that another node wrote and named in the root (its
// replicas converge in their own time), so a missing one is read again,
// with growing pauses, until ctx ends.
func (s *Store) segment(ctx context.Context, id string) (Segment, error) {
	s.mu.Lock()
	seg, ok := s.segs[id]
	s.mu.Unlock()
	if ok {
		return seg, nil
	}
	for attempt := 0; ; attempt++ {
		raw, err := s.lww.ReadRaw(ctx, id)
		if err == nil {
			if err := json.Unmarshal(raw, &seg); err != nil {
				return nil, node.NewRPCErrorf(node.Crash, "segment %s: %v", id, err)
			}
			s.mu.Lock()
			s.cacheLocked(id, seg)
			s.mu.Unlock()
			return seg, nil
		}
		if !node.HasCode(err, node.KeyDoesNotExist) {
			return nil, err
		}
		if !sleep(ctx, time.Millisecond<<min(attempt, 5)) {
			return nil, node.NewRPCErrorf(node.TemporarilyUnavailable, "segment %s not in lww-kv yet", id)
		}
	}
}

// sleep pauses for d unless ctx ends first; it reports whether it slept.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// definite turns an error met before the commit point into a definite
// one: the transaction did not take effect, whatever the error was.
func definite(err error) error {
	var rpcErr *node.RPCError
	if errors.As(err, &rpcErr) && rpcErr.Definite() {
		return rpcErr
	}
	return node.NewRPCErrorf(node.TemporarilyUnavailable, "transaction not committed: %v", err)
}

func failAll(batch []*request, err error) {
	for _, r := range batch {
		r.done <- result{err: err}
	}
}
