package netsim

import (
	"bufio"
	"container/heap"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// Config configures a Network.
type Config struct {
	Latency Latency
	// Seed makes latency draws reproducible.
	Seed uint64
	// Journal, when set, receives every send and receive as a JSON line:
	// {"type":"send"|"recv","time":NANOS,"message":{...}}.
	Journal io.Writer
	// Start is time zero of the journal's clock (time.Now() if zero).
	Start time.Time
}

// Network routes messages between registered receivers.
type Network struct {
	latency Latency
	start   time.Time

	mu         sync.Mutex
	receivers  map[string]Receiver
	retired    map[string]bool            // ids removed since (closed clients)
	partitions map[string]map[string]bool // dest -> sources it cannot hear
	down       map[string]bool            // nodes whose process is dead
	booting    map[string]string          // restarted node -> the one client it hears until init_ok
	rng        *rand.Rand
	nextMsgID  int64
	nextClient int64
	pending    pendingHeap
	seq        uint64
	stats      Stats
	closed     bool

	journalMu sync.Mutex
	journal   *bufio.Writer
	jbuf      []byte

	wake chan struct{}
	done chan struct{}
}

// New starts a network. Close stops it.
func New(cfg Config) *Network {
	start := cfg.Start
	if start.IsZero() {
		start = time.Now()
	}
	n := &Network{
		latency:    cfg.Latency,
		start:      start,
		receivers:  map[string]Receiver{},
		retired:    map[string]bool{},
		partitions: map[string]map[string]bool{},
		down:       map[string]bool{},
		booting:    map[string]string{},
		rng:        rand.New(rand.NewPCG(cfg.Seed, 0x6e6574)),
		nextClient: -1,
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
	}
	if cfg.Journal != nil {
		n.journal = bufio.NewWriterSize(cfg.Journal, 1<<16)
	}
	go n.deliverLoop()
	return n
}

// Add registers a receiver under id, replacing any earlier one.
func (n *Network) Add(id string, r Receiver) {
	n.mu.Lock()
	n.receivers[id] = r
	n.mu.Unlock()
}

// Remove unregisters id; messages to it are dropped from then on.
func (n *Network) Remove(id string) {
	n.mu.Lock()
	delete(n.receivers, id)
	n.retired[id] = true
	n.mu.Unlock()
}

// NewClientID returns a fresh client id: c0, c1, ... as Maelstrom's
// client/open! numbers them (a counter starting at -1, incremented before
// use). Ids are never reused.
func (n *Network) NewClientID() string {
	n.mu.Lock()
	n.nextClient++
	id := n.nextClient
	n.mu.Unlock()
	return "c" + strconv.FormatInt(id, 10)
}

// Known reports whether id is or was registered (a node, client or
// service). A node that forwards a request under its client's src, as
// Maelstrom's raft.py does, may do so after that client closed: such a
// message is undeliverable (Send refuses it, as Maelstrom's validate-msg
// would), but the node did not invent the id.
func (n *Network) Known(id string) bool {
	n.mu.Lock()
	_, ok := n.receivers[id]
	ok = ok || n.retired[id]
	n.mu.Unlock()
	return ok
}

// Since is the time elapsed since the network's start.
func (n *Network) Since() time.Duration { return time.Since(n.start) }

// Send routes body from src to dest. It returns false when the message was
// refused because src or dest is not registered (Maelstrom's validate-msg
// refuses those too); such messages are counted as undeliverable, not
// journaled.
func (n *Network) Send(src, dest string, body json.RawMessage) bool {
	now := n.Since() // one monotonic reading; time.Now reads two clocks
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return false
	}
	_, srcOK := n.receivers[src]
	r, destOK := n.receivers[dest]
	if !srcOK || !destOK {
		n.stats.Undeliverable++
		n.mu.Unlock()
		return false
	}
	n.nextMsgID++
	m := Message{ID: n.nextMsgID, Src: src, Dest: dest, Body: body}
	client := m.InvolvesClient()
	n.count(client, true)
	var delay time.Duration
	if !client {
		delay = n.latency.Draw(n.rng)
	}
	// Journal under n.mu so the journal's sends are in id order.
	if delay <= 0 {
		// Due now: deliver without going through the heap, keeping order.
		ok := n.mayDeliver(m)
		if ok {
			n.count(client, false)
		}
		n.journalEvent("send", now, m, ok)
		n.mu.Unlock()
		if ok {
			r.Deliver(m)
		}
		return true
	}
	n.journalEvent("send", now, m, false)
	n.seq++
	heap.Push(&n.pending, pending{due: now + delay, seq: n.seq, msg: m})
	first := n.pending[0].seq == n.seq
	n.mu.Unlock()
	if first {
		select {
		case n.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// receiverFor returns m's receiver if m may be delivered now: its
// destination still exists and is not cut off from its source. Dropped
// messages are counted. n.mu must be held.
func (n *Network) receiverFor(m Message) (Receiver, bool) {
	r, ok := n.receivers[m.Dest]
	if !ok {
		n.stats.Dropped++
		return nil, false
	}
	return r, n.mayDeliver(m)
}

// mayDeliver reports whether m, whose destination exists, may be delivered
// now: its destination is up and not cut off from its source. A dropped
// message is counted. The fault maps are looked at only when they hold
// something (in most runs they never do): three lookups fewer per message.
// n.mu must be held.
func (n *Network) mayDeliver(m Message) bool {
	if (len(n.down) > 0 && n.down[m.Dest]) ||
		(len(n.partitions) > 0 && n.partitions[m.Dest][m.Src]) ||
		(len(n.booting) > 0 && n.deafWhileBooting(m)) {
		n.stats.Dropped++
		return false
	}
	return true
}

func (n *Network) count(client, send bool) {
	bump := func(c *Counts) {
		if send {
			c.SendCount++
			c.MsgCount++
		} else {
			c.RecvCount++
		}
	}
	bump(&n.stats.All)
	if client {
		bump(&n.stats.Clients)
	} else {
		bump(&n.stats.Servers)
	}
}

func (n *Network) deliverLoop() {
	defer close(n.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	type delivery struct {
		r Receiver
		m Message
	}
	var due []delivery
	for {
		n.mu.Lock()
		if n.closed {
			n.mu.Unlock()
			return
		}
		now := n.Since()
		due = due[:0]
		for len(n.pending) > 0 && n.pending[0].due <= now {
			p := heap.Pop(&n.pending).(pending)
			if r, ok := n.receiverFor(p.msg); ok {
				n.count(p.msg.InvolvesClient(), false)
				n.journalEvent("recv", now, p.msg, false)
				due = append(due, delivery{r, p.msg})
			}
		}
		wait := time.Hour
		if len(n.pending) > 0 {
			wait = n.pending[0].due - now
		}
		n.mu.Unlock()
		for _, d := range due {
			d.r.Deliver(d.m)
		}
		if len(due) > 0 {
			continue
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-n.wake:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
	}
}

// Partition makes every dest in grudge deaf to the sources listed for it
// (Jepsen's grudge: receiver -> senders it drops), replacing any earlier
// partition. Messages already in flight are judged when they fall due.
func (n *Network) Partition(grudge map[string][]string) {
	p := make(map[string]map[string]bool, len(grudge))
	for dest, srcs := range grudge {
		set := make(map[string]bool, len(srcs))
		for _, s := range srcs {
			set[s] = true
		}
		p[dest] = set
	}
	n.mu.Lock()
	n.partitions = p
	n.mu.Unlock()
}

// SetDown marks id's process as dead (the kill nemesis) or alive again.
// While it is down, id stays a known address, so messages to it are
// accepted and then dropped (counted as dropped, like a partition's), as a
// crashed server's packets are lost; messages already in flight are judged
// when they fall due. Either way it ends id's booting state.
func (n *Network) SetDown(id string, down bool) {
	n.mu.Lock()
	if down {
		n.down[id] = true
	} else {
		delete(n.down, id)
	}
	delete(n.booting, id)
	n.mu.Unlock()
}

// SetBooting marks id's new process as not yet initialised: it hears only
// initClient, and every other message to it is dropped as to a down node,
// until SetDown(id, false) declares it up. Without this, a restarted node
// would read its peers' gossip before its init message, and a node built
// on Maelstrom's own libraries can neither answer that (it has no id yet)
// nor, for a type it has no handler for, survive it.
func (n *Network) SetBooting(id, initClient string) {
	n.mu.Lock()
	delete(n.down, id)
	n.booting[id] = initClient
	n.mu.Unlock()
}

// deafWhileBooting reports whether m goes to a booting node from someone
// other than its init client. n.mu must be held.
func (n *Network) deafWhileBooting(m Message) bool {
	only, ok := n.booting[m.Dest]
	return ok && m.Src != only
}

// Heal removes every partition.
func (n *Network) Heal() { n.Partition(nil) }

// Stats returns the counts so far.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}

// Close stops delivery and flushes the journal. Messages still in flight
// are discarded.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
	<-n.done
	n.journalMu.Lock()
	defer n.journalMu.Unlock()
	if n.journal != nil {
		return n.journal.Flush()
	}
	return nil
}

// journalEvent appends one JSON line by hand: bodies are already JSON, so
// this costs a copy, not an encode. With andRecv it writes the same line
// again as the message's "recv" event (a message delivered as it is sent,
// as every client message is): formatted once, its type patched.
func (n *Network) journalEvent(typ string, at time.Duration, m Message, andRecv bool) {
	if n.journal == nil {
		return
	}
	n.journalMu.Lock()
	b := n.jbuf[:0]
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","time":`...)
	b = strconv.AppendInt(b, int64(at), 10)
	b = append(b, `,"message":{"id":`...)
	b = strconv.AppendInt(b, m.ID, 10)
	b = append(b, `,"src":`...)
	b = AppendQuotedID(b, m.Src)
	b = append(b, `,"dest":`...)
	b = AppendQuotedID(b, m.Dest)
	b = append(b, `,"body":`...)
	var body []byte // a large body, written from its own bytes
	switch {
	case len(m.Body) == 0:
		b = append(b, "null"...)
	case len(m.Body) > journalCopyLimit:
		body = m.Body
	default:
		b = append(b, m.Body...)
	}
	head := len(b)
	b = append(b, "}}\n"...)
	for i := 0; i < 2; i++ {
		if body == nil {
			n.journal.Write(b)
		} else {
			n.journal.Write(b[:head])
			n.journal.Write(body)
			n.journal.Write(b[head:])
		}
		if !andRecv {
			break
		}
		copy(b[len(`{"type":"`):], "recv") // as long as "send"
	}
	n.jbuf = b
	n.journalMu.Unlock()
}

// journalCopyLimit is the largest body journalEvent copies into its line
// buffer; a larger one (a kafka poll_ok carrying the whole log) is handed
// to the journal's writer as it is, saving a copy of its bytes per event.
const journalCopyLimit = 4 << 10

// AppendQuotedID appends id quoted as strconv.AppendQuote quotes it. Node
// and client ids (n3, c17, lin-kv) are printable ASCII without quotes or
// backslashes, which need no escaping: this skips strconv's rune-by-rune
// pass, twice per message on the journal's and the stdin writer's path.
func AppendQuotedID(b []byte, id string) []byte {
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.AppendQuote(b, id)
		}
	}
	b = append(b, '"')
	b = append(b, id...)
	return append(b, '"')
}

type pending struct {
	due time.Duration // since the network's start
	seq uint64
	msg Message
}

// pendingHeap orders messages by due time, then by send order.
type pendingHeap []pending

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	if h[i].due == h[j].due {
		return h[i].seq < h[j].seq
	}
	return h[i].due < h[j].due
}
func (h pendingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)   { *h = append(*h, x.(pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}
