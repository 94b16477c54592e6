package netsim

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inbox collects delivered messages with their arrival times.
type inbox struct {
	mu   sync.Mutex
	msgs []Message
	at   []time.Time
	got  chan struct{}
}

func newInbox() *inbox { return &inbox{got: make(chan struct{}, 1<<16)} }

func (b *inbox) Deliver(m Message) {
	b.mu.Lock()
	b.msgs = append(b.msgs, m)
	b.at = append(b.at, time.Now())
	b.mu.Unlock()
	b.got <- struct{}{}
}

func (b *inbox) wait(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for i := 0; i < n; i++ {
		select {
		case <-b.got:
		case <-deadline:
			t.Fatalf("got %d of %d messages", i, n)
		}
	}
}

func (b *inbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

func body(s string) json.RawMessage { return json.RawMessage(`{"type":"` + s + `"}`) }

func TestDeliversAndCountsLikeMaelstrom(t *testing.T) {
	net := New(Config{})
	defer net.Close()
	n0, n1, c0 := newInbox(), newInbox(), newInbox()
	net.Add("n0", n0)
	net.Add("n1", n1)
	net.Add("c0", c0)

	require.True(t, net.Send("c0", "n0", body("echo")))
	require.True(t, net.Send("n0", "n1", body("gossip")))
	require.True(t, net.Send("n1", "n0", body("gossip_ok")))
	n0.wait(t, 2, time.Second)
	n1.wait(t, 1, time.Second)

	s := net.Stats()
	assert.Equal(t, Counts{SendCount: 3, RecvCount: 3, MsgCount: 3}, s.All)
	assert.Equal(t, Counts{SendCount: 1, RecvCount: 1, MsgCount: 1}, s.Clients)
	assert.Equal(t, Counts{SendCount: 2, RecvCount: 2, MsgCount: 2}, s.Servers)

	got := s.WithMsgsPerOp(2)
	require.NotNil(t, got.Servers.MsgsPerOp)
	assert.InDelta(t, 1.0, *got.Servers.MsgsPerOp, 1e-9)
	assert.InDelta(t, 1.5, *got.All.MsgsPerOp, 1e-9)
	assert.Nil(t, got.Clients.MsgsPerOp, "Maelstrom gives msgs-per-op for all and servers only")
}

func TestUnknownEndpointsAreRefusedAndCounted(t *testing.T) {
	net := New(Config{})
	defer net.Close()
	net.Add("n0", newInbox())
	assert.False(t, net.Send("n0", "n9", body("x")))
	assert.False(t, net.Send("ghost", "n0", body("x")))
	s := net.Stats()
	assert.EqualValues(t, 2, s.Undeliverable)
	assert.EqualValues(t, 0, s.All.SendCount)
}

// A closed client stays Known (a node may still forward its request) but
// can no longer send or be sent to; an id never registered is not Known.
func TestKnownRemembersClosedClients(t *testing.T) {
	net := New(Config{})
	defer net.Close()
	net.Add("n0", newInbox())
	net.Add("c0", newInbox())
	assert.True(t, net.Known("c0"))
	net.Remove("c0")
	assert.True(t, net.Known("c0"))
	assert.False(t, net.Send("c0", "n0", body("x")))
	assert.False(t, net.Known("c9"))
}

func TestPartitionDropsAndHealRestores(t *testing.T) {
	net := New(Config{})
	defer net.Close()
	n0, n1, c0 := newInbox(), newInbox(), newInbox()
	net.Add("n0", n0)
	net.Add("n1", n1)
	net.Add("c0", c0)
	net.Partition(map[string][]string{"n1": {"n0"}})

	net.Send("n0", "n1", body("cut"))   // dropped: n1 does not hear n0
	net.Send("n1", "n0", body("other")) // one-way grudge: delivered
	net.Send("c0", "n1", body("client"))
	n0.wait(t, 1, time.Second)
	n1.wait(t, 1, time.Second)
	assert.Equal(t, 1, n1.count(), "only the client's message reaches n1")
	assert.EqualValues(t, 1, net.Stats().Dropped)
	assert.EqualValues(t, 3, net.Stats().All.SendCount, "dropped messages were still sent")
	assert.EqualValues(t, 2, net.Stats().All.RecvCount)

	net.Heal()
	net.Send("n0", "n1", body("healed"))
	n1.wait(t, 1, time.Second)
}

func TestPartitionJudgesInFlightMessagesOnArrival(t *testing.T) {
	net := New(Config{Latency: Latency{Mean: 50 * time.Millisecond, Dist: DistConstant}})
	defer net.Close()
	n0, n1 := newInbox(), newInbox()
	net.Add("n0", n0)
	net.Add("n1", n1)
	net.Send("n0", "n1", body("in-flight"))
	net.Partition(map[string][]string{"n1": {"n0"}})
	time.Sleep(150 * time.Millisecond)
	assert.Equal(t, 0, n1.count(), "a partition that starts while a message is in flight drops it, as Maelstrom's recv! does")
	assert.EqualValues(t, 1, net.Stats().Dropped)
}

func TestConstantLatencyDelaysServersNotClients(t *testing.T) {
	net := New(Config{Latency: Latency{Mean: 80 * time.Millisecond, Dist: DistConstant}})
	defer net.Close()
	n0, n1, c0 := newInbox(), newInbox(), newInbox()
	net.Add("n0", n0)
	net.Add("n1", n1)
	net.Add("c0", c0)

	start := time.Now()
	net.Send("c0", "n1", body("client"))
	n1.wait(t, 1, time.Second)
	assert.Less(t, time.Since(start), 40*time.Millisecond, "client traffic has no latency")

	start = time.Now()
	net.Send("n0", "n1", body("server"))
	n1.wait(t, 1, time.Second)
	assert.GreaterOrEqual(t, time.Since(start), 75*time.Millisecond)
}

func TestDeliveryOrderFollowsDueTime(t *testing.T) {
	net := New(Config{Latency: Latency{Mean: 30 * time.Millisecond, Dist: DistUniform}, Seed: 3})
	defer net.Close()
	n0, n1 := newInbox(), newInbox()
	net.Add("n0", n0)
	net.Add("n1", n1)
	for i := 0; i < 200; i++ {
		net.Send("n0", "n1", body("m"))
	}
	n1.wait(t, 200, 2*time.Second)
	n1.mu.Lock()
	defer n1.mu.Unlock()
	ids := map[int64]bool{}
	for _, m := range n1.msgs {
		ids[m.ID] = true
	}
	assert.Len(t, ids, 200, "every message arrives exactly once")
}

func TestLatencyDistributions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	mean := 100 * time.Millisecond
	const n = 20000
	sums := map[string]float64{}
	for _, dist := range []string{DistConstant, DistUniform, DistExponential} {
		l := Latency{Mean: mean, Dist: dist}
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for i := 0; i < n; i++ {
			d := l.Draw(r)
			sums[dist] += float64(d)
			lo, hi = min(lo, d), max(hi, d)
		}
		switch dist {
		case DistConstant:
			assert.Equal(t, mean, lo)
			assert.Equal(t, mean, hi)
		case DistUniform:
			assert.GreaterOrEqual(t, lo, time.Duration(0))
			assert.LessOrEqual(t, hi, 2*mean, "uniform is bounded by twice the mean")
			assert.Equal(t, time.Duration(0), lo%time.Millisecond, "whole milliseconds, as Incanter's integer distribution")
		case DistExponential:
			assert.Greater(t, hi, 3*mean, "an exponential tail goes well past the mean")
		}
		assert.InDelta(t, float64(mean), sums[dist]/n, float64(mean)*0.05, dist)
	}
	assert.Error(t, Latency{Mean: mean, Dist: "normal"}.Validate())
	assert.Equal(t, time.Duration(0), Latency{Dist: DistExponential}.Draw(r))
}

func TestJournalRecordsSendsAndReceives(t *testing.T) {
	var buf bytes.Buffer
	net := New(Config{Journal: &buf})
	n0 := newInbox()
	net.Add("n0", n0)
	net.Add("c3", newInbox())
	net.Send("c3", "n0", json.RawMessage(`{"type":"echo","msg_id":1}`))
	n0.wait(t, 1, time.Second)
	require.NoError(t, net.Close())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	var ev struct {
		Type    string  `json:"type"`
		Time    int64   `json:"time"`
		Message Message `json:"message"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &ev))
	assert.Equal(t, "send", ev.Type)
	assert.Equal(t, "c3", ev.Message.Src)
	assert.JSONEq(t, `{"type":"echo","msg_id":1}`, string(ev.Message.Body))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &ev))
	assert.Equal(t, "recv", ev.Type)
	// Delivered as sent: the recv line is the send line with its type
	// changed, byte for byte.
	assert.Regexp(t, `^\{"type":"send","time":\d+,"message":\{"id":1,"src":"c3","dest":"n0","body":\{"type":"echo","msg_id":1\}\}\}$`, lines[0])
	assert.Equal(t, strings.Replace(lines[0], `"send"`, `"recv"`, 1), lines[1])
}

// Journal times are nanoseconds since Config.Start; a delayed message's
// recv is journaled when it falls due, its latency after its send.
func TestJournalTimesCountFromStart(t *testing.T) {
	var buf bytes.Buffer
	net := New(Config{Journal: &buf, Start: time.Now().Add(-time.Second),
		Latency: Latency{Mean: 30 * time.Millisecond, Dist: DistConstant}})
	n1 := newInbox()
	net.Add("n0", newInbox())
	net.Add("n1", n1)
	net.Send("n0", "n1", body("late"))
	n1.wait(t, 1, time.Second)
	require.NoError(t, net.Close())
	var times []time.Duration
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var ev struct {
			Time int64 `json:"time"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &ev))
		times = append(times, time.Duration(ev.Time))
	}
	require.Len(t, times, 2)
	assert.GreaterOrEqual(t, times[0], time.Second)
	assert.Less(t, times[0], 2*time.Second)
	assert.GreaterOrEqual(t, times[1]-times[0], 30*time.Millisecond, "recv after the latency")
}

// A large body is journaled whole, from its own bytes, in both events.
func TestJournalWritesLargeBodiesWhole(t *testing.T) {
	var buf bytes.Buffer
	net := New(Config{Journal: &buf})
	n0 := newInbox()
	net.Add("n0", n0)
	net.Add("c1", newInbox())
	big := `{"type":"x","pad":"` + strings.Repeat("y", 3*journalCopyLimit) + `"}`
	net.Send("c1", "n0", json.RawMessage(big))
	net.Send("c1", "n0", json.RawMessage(`{"type":"small"}`))
	n0.wait(t, 2, time.Second)
	require.NoError(t, net.Close())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 4)
	for i, line := range lines {
		var ev struct {
			Type    string  `json:"type"`
			Message Message `json:"message"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &ev), "line %d", i)
		assert.Equal(t, []string{"send", "recv"}[i%2], ev.Type)
		if i < 2 {
			assert.Equal(t, big, string(ev.Message.Body))
		}
	}
	assert.Equal(t, strings.Replace(lines[0], `"send"`, `"recv"`, 1), lines[1])
}

// A message that is dropped has a send event and no recv.
func TestJournalRecordsNoRecvForDroppedMessages(t *testing.T) {
	var buf bytes.Buffer
	net := New(Config{Journal: &buf})
	net.Add("n0", newInbox())
	net.Add("n1", newInbox())
	net.Partition(map[string][]string{"n1": {"n0"}})
	net.Send("n0", "n1", json.RawMessage(`{"type":"x"}`))
	require.NoError(t, net.Close())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], `{"type":"send",`)
}

func TestClientIDsCountFromZeroAndNeverRepeat(t *testing.T) {
	net := New(Config{})
	defer net.Close()
	assert.Equal(t, "c0", net.NewClientID())
	assert.Equal(t, "c1", net.NewClientID())
}

func TestMailboxKeepsOrderAndNeverBlocks(t *testing.T) {
	var mu sync.Mutex
	var got []int64
	release := make(chan struct{})
	mb := NewMailbox(func(m Message) {
		<-release
		mu.Lock()
		got = append(got, m.ID)
		mu.Unlock()
	})
	for i := int64(1); i <= 1000; i++ {
		mb.Deliver(Message{ID: i}) // would deadlock if Deliver blocked
	}
	close(release)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1000 }, 2*time.Second, 5*time.Millisecond)
	mb.Close()
	for i, id := range got {
		require.EqualValues(t, i+1, id)
	}
	mb.Deliver(Message{ID: 9999}) // after Close: ignored, no panic
}

func TestBoundedMailboxDropsAndCountsPastItsLimit(t *testing.T) {
	release := make(chan struct{})
	var handled atomic.Int64
	mb := NewBatchMailbox(func(batch []Message) {
		<-release // a reader that has stopped
		handled.Add(int64(len(batch)))
	}, nil).Bound(10 * (100 + messageOverhead))
	body := json.RawMessage(strings.Repeat("x", 100))
	mb.Deliver(Message{ID: 0, Body: body}) // taken by the handler, which blocks
	require.Eventually(t, func() bool { mb.mu.Lock(); defer mb.mu.Unlock(); return len(mb.queue) == 0 }, time.Second, time.Millisecond)
	for i := int64(1); i <= 100; i++ {
		mb.Deliver(Message{ID: i, Body: body})
	}
	dropped, stalledAt := mb.Overflow()
	assert.EqualValues(t, 90, dropped, "ten fit in the queue")
	assert.False(t, stalledAt.IsZero())
	assert.WithinDuration(t, time.Now(), stalledAt, time.Second)
	close(release)
	require.Eventually(t, func() bool { return handled.Load() == 11 }, time.Second, time.Millisecond)
	mb.Close()
}

func TestAbandonDoesNotWaitForABlockedHandler(t *testing.T) {
	block, started := make(chan struct{}), make(chan struct{})
	defer close(block)
	mb := NewMailbox(func(Message) { close(started); <-block })
	mb.Deliver(Message{ID: 1})
	<-started    // the handler holds the message
	mb.Abandon() // returns although the handler is stuck
	select {
	case <-mb.Done():
		t.Fatal("done before the handler returned")
	default:
	}
}

// TestBoundReturnsOnceTheBacklogIsTaken: while unbounded (its node
// paused) the mailbox keeps everything; after Rebound the backlog is
// kept, and once the handler has taken it the old bound holds again.
func TestBoundReturnsOnceTheBacklogIsTaken(t *testing.T) {
	const cost = 100 + messageOverhead
	taken := make(chan int)
	release := make(chan struct{})
	mb := NewBatchMailbox(func(batch []Message) {
		taken <- len(batch)
		<-release
	}, nil).Bound(10 * cost)
	defer mb.Close()
	body := json.RawMessage(strings.Repeat("x", 100))
	mb.Deliver(Message{Body: body})
	require.Equal(t, 1, <-taken) // the handler is busy with it
	mb.Unbound()
	for range 50 {
		mb.Deliver(Message{Body: body})
	}
	mb.Rebound()
	mb.Deliver(Message{Body: body})
	dropped, _ := mb.Overflow()
	require.Zero(t, dropped, "the backlog and one more are kept")
	release <- struct{}{}
	require.Equal(t, 51, <-taken, "the whole backlog")
	for range 20 {
		mb.Deliver(Message{Body: body})
	}
	dropped, _ = mb.Overflow()
	assert.EqualValues(t, 10, dropped, "ten fit under the bound again")
	close(release)
	<-taken
}

func TestAppendQuotedIDQuotesAsStrconv(t *testing.T) {
	for _, id := range []string{"n1", "c17", "lin-kv", "", "a\"b", `a\b`, "é", "\x01", "\x7f", "~ !"} {
		assert.Equal(t, strconv.Quote(id), string(AppendQuotedID(nil, id)), "%q", id)
	}
}
