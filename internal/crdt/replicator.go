// Package crdt replicates a state-based CRDT (a convergent replicated data
// type: states form a join semilattice, and merging is the join) by
// periodic merges, as Maelstrom's CRDT tutorial does (doc/04-crdts in
// jepsen-io/maelstrom): every so often each node sends its whole state to
// its peers, which merge it into theirs. Merges are idempotent,
// commutative and associative, so lost, repeated and reordered messages
// cannot make replicas disagree, and any partition heals by itself once
// messages flow again.
//
// Unlike the tutorial, which sends every state to every peer on every
// tick, a Replicator sends only to peers that may lack something: it
// counts versions of the local state and remembers, per peer, the newest
// version that peer has acknowledged (or shown it already holds). A state
// that reached every peer costs nothing more to keep; one that did not is
// resent on every tick until it does, which is what repairs partitions.
//
// Every node sends to every other directly, so a State may count as
// versions only the changes made on its own node: what it merged in, the
// node that made it sends to everyone itself, and keeps sending until
// each has it. That halves the messages (nothing is relayed) at the cost
// of convergence during a partition going no faster than the direct
// links allow: after a heal, not through a node on both sides.
package crdt

import (
	"context"
	"encoding/json"
	"sync"

	"glomers/node"
)

// State is one replica's CRDT state. Implementations lock for themselves:
// State, Merge and the node's own updates may run concurrently.
type State interface {
	// Snapshot returns the whole state in the form peers merge (anything
	// that marshals to JSON) and its version, a number that grows with
	// every change of the state made on this node (and may grow with
	// merged changes too, to relay them).
	Snapshot() (state any, version uint64)
	// Merge joins a peer's state, as a snapshot of the peer's marshals,
	// into this one. covered reports that the peer's state, as sent,
	// already held everything this replica now holds, so the peer needs
	// nothing from it; version is this replica's version after the merge.
	Merge(peerState json.RawMessage) (covered bool, version uint64, err error)
}

// Send delivers a replicate message to a peer and waits for its
// acknowledgement; nil means the peer has merged the state.
type Send func(ctx context.Context, peer string, body ReplicateBody) error

// ReplicateBody is the message that carries a state to a peer; the peer
// answers replicate_ok once it has merged it.
type ReplicateBody struct {
	Type  string `json:"type"` // "replicate"
	State any    `json:"state"`
}

// ReplicateRequest is a received ReplicateBody, its state left undecoded
// for State.Merge.
type ReplicateRequest struct {
	State json.RawMessage `json:"state"`
}

// Replicator decides which peers get the local state on each tick.
type Replicator struct {
	state State

	mu       sync.Mutex
	peers    []string
	acked    map[string]uint64 // peer -> newest local version it holds
	inflight map[string]bool   // peer -> a replicate to it awaits its ack
	disk     *store            // where Save writes; nil: nowhere
	// restored: the state came from disk, and goes once to every peer
	// (introduced) whatever its version.
	restored   bool
	introduced map[string]bool
}

// NewReplicator replicates state; it sends nothing until SetPeers.
func NewReplicator(state State) *Replicator {
	return &Replicator{state: state, acked: map[string]uint64{}, inflight: map[string]bool{}, introduced: map[string]bool{}}
}

// SetPeers names the nodes the state goes to (the node's ids once init
// has told them, without its own).
func (r *Replicator) SetPeers(peers []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.peers = append([]string(nil), peers...)
}

// Receive merges a peer's replicated state (a malformed one is a
// malformed-request error), and saves it (see Durable)
// before the caller acknowledges it. When the peer's state covered the
// merged result, the peer is known to hold the local state as it now is,
// and is not sent it.
func (r *Replicator) Receive(peer string, peerState json.RawMessage) error {
	covered, version, err := r.state.Merge(peerState)
	if err != nil {
		return node.NewRPCErrorf(node.MalformedRequest, "replicate: %v", err)
	}
	if err := r.Save(); err != nil {
		return node.NewRPCErrorf(node.Crash, "replicate: saving: %v", err)
	}
	if covered {
		r.noteAcked(peer, version)
	}
	return nil
}

func (r *Replicator) noteAcked(peer string, version uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noteAckedLocked(peer, version)
}

func (r *Replicator) noteAckedLocked(peer string, version uint64) {
	if version > r.acked[peer] {
		r.acked[peer] = version
	}
}

// Tick sends the local state (when durable, the last one saved) to every
// peer that has not acknowledged its current version and has no replicate
// in flight, each concurrently, and returns at once; send's context is
// ctx. A failed or unanswered send is retried on a later tick.
func (r *Replicator) Tick(ctx context.Context, send Send) {
	snapshot, version := r.state.Snapshot()
	r.mu.Lock()
	if r.disk != nil {
		// Durable: only what is saved goes out.
		snapshot, version, _ = r.disk.last()
	}
	if version == 0 && !r.restored {
		r.mu.Unlock()
		return // nothing yet
	}
	var due []string
	for _, p := range r.peers {
		owed := r.acked[p] < version || (r.restored && !r.introduced[p])
		if owed && !r.inflight[p] {
			r.inflight[p] = true
			due = append(due, p)
		}
	}
	r.mu.Unlock()
	body := ReplicateBody{Type: "replicate", State: snapshot}
	for _, p := range due {
		go func() {
			err := send(ctx, p, body)
			// One critical section, so that no Tick sees the peer free
			// before its ack is noted (and sends the same state again).
			r.mu.Lock()
			defer r.mu.Unlock()
			r.inflight[p] = false
			if err == nil {
				r.introduced[p] = true
				r.noteAckedLocked(p, version)
			}
		}()
	}
}

// Pending lists the peers that have not acknowledged the current version.
func (r *Replicator) Pending() []string {
	_, version := r.state.Snapshot()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.disk != nil {
		_, version, _ = r.disk.last()
	}
	var out []string
	for _, p := range r.peers {
		if r.acked[p] < version || (r.restored && !r.introduced[p]) {
			out = append(out, p)
		}
	}
	return out
}
