package elle

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// testMop is a register micro-op: [w k v] or [r k v].
type testMop struct {
	w    bool
	k, v int
}

func (m testMop) MopKey() any    { return m.k }
func (m testMop) IsWrite() bool  { return m.w }
func (m testMop) Written() any   { return m.v }
func (m testMop) ReadName() any  { return m.v }
func (m testMop) ReadShown() any { return m.v }

type testTxn struct {
	name string
	ok   bool
	mops []testMop
}

func testMops(t *testTxn) []testMop { return t.mops }

func TestIntermediateWrites(t *testing.T) {
	t1 := &testTxn{name: "t1", mops: []testMop{{true, 1, 10}, {false, 1, 10}, {true, 1, 11}, {true, 2, 20}}}
	t2 := &testTxn{name: "t2", ok: true, mops: []testMop{{true, 3, 30}}}
	inter := IntermediateWrites([]*testTxn{t1, t2}, testMops)
	assert.Equal(t, map[KeyValue]*testTxn{{1, 10}: t1}, inter, "only 10 was overwritten in its own txn; failed txns count too")
}

// TestLostUpdates follows elle.txn/lost-update-cases: committed txns that
// read the same version of a key and then wrote it; the first read of the
// key counts, even after a write.
func TestLostUpdates(t *testing.T) {
	a := &testTxn{name: "a", ok: true, mops: []testMop{{false, 1, 5}, {true, 1, 6}}}
	b := &testTxn{name: "b", ok: true, mops: []testMop{{false, 1, 5}, {true, 1, 7}, {true, 1, 8}}}
	failed := &testTxn{name: "failed", mops: []testMop{{false, 1, 5}, {true, 1, 9}}}
	blind := &testTxn{name: "blind", ok: true, mops: []testMop{{true, 1, 10}}}
	late := &testTxn{name: "late", ok: true, mops: []testMop{{true, 2, 1}, {false, 2, 1}, {true, 2, 2}}}
	other := &testTxn{name: "other", ok: true, mops: []testMop{{false, 2, 3}, {true, 2, 4}}}
	committed := func(t *testTxn) bool { return t.ok }
	got := LostUpdates([]*testTxn{a, failed, blind, b, late, other}, committed, testMops)
	assert.Equal(t, []LostUpdate[*testTxn]{{Key: 1, Value: 5, Txns: []*testTxn{a, b}}}, got)

	same := &testTxn{name: "same", ok: true, mops: []testMop{{false, 2, 1}, {true, 2, 5}}}
	got = LostUpdates([]*testTxn{late, same}, committed, testMops)
	assert.Equal(t, []LostUpdate[*testTxn]{{Key: 2, Value: 1, Txns: []*testTxn{late, same}}}, got,
		"late's read of 2 follows its own write, yet counts as what it read")
}
