package leader

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/kafka/internal/store"
)

// fixture is a leader's store and tracker with two followers.
type fixture struct {
	st  *store.Store
	tr  *Tracker
	now time.Time
}

func newFixture(maxPerKey, maxPerPush int) *fixture {
	return &fixture{st: store.New(0), tr: NewTracker([]string{"n1", "n2"}, 100*time.Millisecond, maxPerKey, maxPerPush), now: time.Unix(1000, 0)}
}

func (f *fixture) append(key string, n int) {
	for i := 0; i < n; i++ {
		f.st.Append(key, json.RawMessage(fmt.Sprint(f.st.Len(key))))
		f.tr.Appended(key)
	}
}

func (f *fixture) next(follower string) (Push, bool) {
	return f.tr.Next(follower, f.now, time.Hour, 0, f.st.Range)
}

func runsByKey(p Push) map[string]Run {
	out := map[string]Run{}
	for _, r := range p.Runs {
		out[r.Key] = r
	}
	return out
}

func TestPushSendsEachFollowerEverythingFromItsNextIndex(t *testing.T) {
	f := newFixture(100, 1000)
	f.append("a", 3)
	f.append("b", 1)
	p, ok := f.next("n1")
	require.True(t, ok)
	runs := runsByKey(p)
	assert.Equal(t, 0, runs["a"].From)
	assert.Len(t, runs["a"].Msgs, 3)
	assert.Len(t, runs["b"].Msgs, 1)

	_, ok = f.next("n1")
	assert.False(t, ok, "one push in flight per follower")

	f.tr.Acked("n1", p.Seq, map[string]int{"a": 3, "b": 1}, 0, 0, f.st.Len)
	assert.Equal(t, 3, f.tr.NextIndex("n1", "a"))
	assert.False(t, f.tr.Pending("n1"))
	_, ok = f.next("n1")
	assert.False(t, ok, "nothing new, heartbeat not due")

	f.append("a", 2)
	p, ok = f.next("n1")
	require.True(t, ok)
	assert.Equal(t, []Run{{Key: "a", From: 3, Msgs: f.st.Range("a", 3, 10)}}, p.Runs, "only the new entries")

	// n2 has acknowledged nothing: it still gets the whole log.
	p2, ok := f.next("n2")
	require.True(t, ok)
	assert.Equal(t, 0, runsByKey(p2)["a"].From)
	assert.Len(t, runsByKey(p2)["a"].Msgs, 5)
}

func TestLostPushIsResentAfterRetry(t *testing.T) {
	f := newFixture(100, 1000)
	f.append("a", 2)
	p1, ok := f.next("n1")
	require.True(t, ok)
	// The push (or its ack) is lost. More entries arrive meanwhile.
	f.append("a", 1)
	f.now = f.now.Add(50 * time.Millisecond)
	_, ok = f.next("n1")
	assert.False(t, ok, "still within the retry interval")
	f.now = f.now.Add(60 * time.Millisecond)
	p2, ok := f.next("n1")
	require.True(t, ok)
	assert.Equal(t, []Run{{Key: "a", From: 0, Msgs: f.st.Range("a", 0, 10)}}, p2.Runs, "resent from the acknowledged index")
	assert.Greater(t, p2.Seq, p1.Seq)

	// The old push's ack arrives late: it raises next but leaves p2 in flight.
	f.tr.Acked("n1", p1.Seq, map[string]int{"a": 2}, 0, 0, f.st.Len)
	assert.Equal(t, 2, f.tr.NextIndex("n1", "a"))
	_, ok = f.next("n1")
	assert.False(t, ok, "p2 is still in flight")
	f.tr.Acked("n1", p2.Seq, map[string]int{"a": 3}, 0, 0, f.st.Len)
	assert.Equal(t, 3, f.tr.NextIndex("n1", "a"))
	assert.False(t, f.tr.Pending("n1"))
}

func TestAckNeverMovesNextBackwards(t *testing.T) {
	f := newFixture(100, 1000)
	f.append("a", 4)
	p, _ := f.next("n1")
	f.tr.Acked("n1", p.Seq, map[string]int{"a": 4}, 0, 0, f.st.Len)
	f.tr.Acked("n1", p.Seq-1, map[string]int{"a": 1}, 0, 0, f.st.Len)
	assert.Equal(t, 4, f.tr.NextIndex("n1", "a"))
	assert.False(t, f.tr.Pending("n1"))
}

func TestPushesAreBounded(t *testing.T) {
	f := newFixture(2, 3)
	f.append("a", 5)
	f.append("b", 5)
	sent := map[string]int{}
	for i := 0; i < 20 && f.tr.Pending("n1"); i++ {
		p, ok := f.next("n1")
		require.True(t, ok)
		total := 0
		lens := map[string]int{}
		for _, r := range p.Runs {
			assert.LessOrEqual(t, len(r.Msgs), 2, "per key")
			assert.Equal(t, sent[r.Key], r.From, "contiguous with what was acknowledged")
			total += len(r.Msgs)
			sent[r.Key] = r.From + len(r.Msgs)
			lens[r.Key] = sent[r.Key]
		}
		assert.LessOrEqual(t, total, 3, "per push")
		f.tr.Acked("n1", p.Seq, lens, 0, 0, f.st.Len)
	}
	assert.Equal(t, map[string]int{"a": 5, "b": 5}, sent)
}

func TestHeartbeatAndCommitsTriggerEmptyPushes(t *testing.T) {
	f := newFixture(100, 1000)
	_, ok := f.tr.Next("n1", f.now, time.Second, 0, f.st.Range)
	assert.True(t, ok, "never sent: a heartbeat is due")
	p, _ := f.tr.Next("n2", f.now, time.Second, 0, f.st.Range)
	f.tr.Acked("n2", p.Seq, nil, 0, 0, f.st.Len)
	_, ok = f.tr.Next("n2", f.now.Add(time.Millisecond), time.Second, 0, f.st.Range)
	assert.False(t, ok)
	p, ok = f.tr.Next("n2", f.now.Add(time.Millisecond), time.Second, 3, f.st.Range)
	require.True(t, ok, "leader commits past what n2 confirmed")
	assert.EqualValues(t, 0, p.CommitsFrom)
	f.tr.Acked("n2", p.Seq, nil, 3, 7, f.st.Len)
	assert.EqualValues(t, 7, f.tr.theirCV("n2"))
	p, ok = f.tr.Next("n2", f.now.Add(2*time.Second), time.Second, 3, f.st.Range)
	require.True(t, ok, "heartbeat")
	assert.Empty(t, p.Runs)
	assert.EqualValues(t, 3, p.CommitsFrom)
}
