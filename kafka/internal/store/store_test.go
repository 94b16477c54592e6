package store

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestAppendAssignsDenseOffsets(t *testing.T) {
	var l Log
	for i := 0; i < 5; i++ {
		assert.Equal(t, i, l.Append(raw(fmt.Sprint(i*10))))
	}
	assert.Equal(t, 5, l.Len())
	assert.Equal(t, []json.RawMessage{raw("20"), raw("30")}, l.Range(2, 2))
	assert.Len(t, l.Range(3, 100), 2, "bounded by the end")
	assert.Empty(t, l.Range(5, 10))
	assert.Equal(t, l.Range(0, 1), l.Range(-3, 1), "negative offsets read from 0")
}

func TestPutOutOfOrderServesOnlyTheContiguousPrefix(t *testing.T) {
	var l Log
	require.True(t, l.Put(2, raw("c")))
	assert.Equal(t, 0, l.Len(), "offsets 0 and 1 are unknown: nothing is readable")
	assert.Empty(t, l.Range(0, 10))
	assert.Empty(t, l.Range(2, 10), "even from 2: the frontier guards every read")
	require.True(t, l.Put(0, raw("a")))
	assert.Equal(t, 1, l.Len())
	assert.Equal(t, []json.RawMessage{raw("a")}, l.Range(0, 10))
	require.True(t, l.Put(1, raw("b")))
	assert.Equal(t, 3, l.Len(), "filling the hole releases everything behind it")
	assert.Equal(t, []json.RawMessage{raw("a"), raw("b"), raw("c")}, l.Range(0, 10))
	assert.False(t, l.Put(1, raw("other")), "an offset never changes its message")
	assert.Equal(t, raw("b"), l.Range(1, 1)[0])
	assert.True(t, l.Known(2))
	assert.False(t, l.Known(3))
	assert.Panics(t, func() {
		var h Log
		h.Put(1, raw("x"))
		h.Append(raw("y"))
	})
}

func TestRangeResultSurvivesLaterAppends(t *testing.T) {
	var l Log
	l.Append(raw("1"))
	got := l.Range(0, 10)
	for i := 0; i < 100; i++ {
		l.Append(raw("2"))
	}
	assert.Equal(t, []json.RawMessage{raw("1")}, got)
	assert.Len(t, got[:cap(got)], 1, "capacity clipped: appending to the result cannot touch the log")
}

func decodePoll(t *testing.T, b []byte) map[string][][2]json.RawMessage {
	t.Helper()
	var m map[string][][2]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	return m
}

func TestAppendPollIsBoundedContiguousAndOmitsEmptyKeys(t *testing.T) {
	s := New(3)
	for i := 0; i < 10; i++ {
		s.Append("a", raw(fmt.Sprint(i)))
	}
	s.Append(`we"ird`, raw(`{"x":[1,2]}`))
	s.Put("holey", 1, raw("9"))
	got := decodePoll(t, s.AppendPoll(nil, map[string]int64{"a": 4, `we"ird`: 0, "none": 0, "holey": 0, "past": 99}))
	assert.Equal(t, [][2]json.RawMessage{{raw("4"), raw("4")}, {raw("5"), raw("5")}, {raw("6"), raw("6")}}, got["a"])
	assert.Equal(t, [][2]json.RawMessage{{raw("0"), raw(`{"x":[1,2]}`)}}, got[`we"ird`])
	assert.NotContains(t, got, "none")
	assert.NotContains(t, got, "holey", "offset 0 unknown: nothing may be served")
	assert.NotContains(t, got, "past")
	assert.Equal(t, "{}", string(s.AppendPoll(nil, nil)))
}

func TestApplyRunSkipsOverlapAndIgnoresGaps(t *testing.T) {
	s := New(0)
	assert.Equal(t, 2, s.ApplyRun("k", 0, []json.RawMessage{raw("0"), raw("1")}))
	assert.Equal(t, 3, s.ApplyRun("k", 1, []json.RawMessage{raw("1"), raw("2")}), "a resent run overlaps")
	assert.Equal(t, 3, s.ApplyRun("k", 5, []json.RawMessage{raw("5")}), "a run past the end would leave a hole")
	assert.Equal(t, []json.RawMessage{raw("0"), raw("1"), raw("2")}, s.Range("k", 0, 10))
}

func TestOffsetsNeverMoveBackwards(t *testing.T) {
	o := NewOffsets()
	assert.True(t, o.Merge("a", 5))
	assert.False(t, o.Merge("a", 3))
	assert.False(t, o.Merge("a", 5))
	o.MergeAll(map[string]int64{"a": 4, "b": 0})
	assert.Equal(t, map[string]int64{"a": 5, "b": 0}, o.Get([]string{"a", "b", "c"}))
	assert.EqualValues(t, 2, o.Version())
}

func TestOffsetsSinceReturnsOnlyChangedKeys(t *testing.T) {
	o := NewOffsets()
	o.Merge("a", 1)
	o.Merge("b", 1)
	v := o.Version()
	changed, now := o.Since(v)
	assert.Nil(t, changed)
	assert.Equal(t, v, now)
	o.Merge("a", 2)
	o.Merge("a", 7)
	changed, now = o.Since(v)
	assert.Equal(t, map[string]int64{"a": 7}, changed)
	assert.Equal(t, v+2, now)
	all, _ := o.Since(0)
	assert.Equal(t, map[string]int64{"a": 7, "b": 1}, all)
}

func TestAppendStringEscapes(t *testing.T) {
	for _, s := range []string{"plain", `q"uote`, "back\\slash", "new\nline", "ünï"} {
		var back string
		require.NoError(t, json.Unmarshal(AppendString(nil, s), &back))
		assert.Equal(t, s, back)
	}
}

func TestAppendPollIsBoundedInTotal(t *testing.T) {
	s := New(10)
	s.SetMaxPerPoll(5)
	for _, k := range []string{"a", "b", "c"} {
		for i := 0; i < 3; i++ {
			s.Append(k, raw(fmt.Sprint(i)))
		}
	}
	got := decodePoll(t, s.AppendPoll(nil, map[string]int64{"a": 0, "b": 0, "c": 0}))
	assert.Len(t, got["a"], 3)
	assert.Len(t, got["b"], 2, "cut short, still contiguous from 0")
	assert.NotContains(t, got, "c")
	// The client advances past what it got; the next poll serves the rest.
	got = decodePoll(t, s.AppendPoll(nil, map[string]int64{"a": 3, "b": 2, "c": 0}))
	assert.Equal(t, [][2]json.RawMessage{{raw("2"), raw("2")}}, got["b"])
	assert.Len(t, got["c"], 3)
}
