package main

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// asked is a request's offsets in the order encoding/json writes them.
func asked(m map[string]int64) []keyOffset {
	var out []keyOffset
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, keyOffset{k, m[k]})
	}
	return out
}

func msgAt(key string, off int64, m string) record {
	return record{Key: key, Offset: off, Msg: json.RawMessage(m)}
}

func TestPollsStopAtTheFirstUnknownOffset(t *testing.T) {
	l := newLogs()
	assert.True(t, l.apply(msgAt("k", 0, "10")))
	assert.True(t, l.apply(msgAt("k", 2, "12")))
	assert.Equal(t, []span{{"k", 0, []json.RawMessage{json.RawMessage("10")}}}, l.poll(asked(map[string]int64{"k": 0})),
		"offset 2 is hidden while 1 is unknown")
	assert.Empty(t, l.poll(asked(map[string]int64{"k": 1, "other": 0})))
	assert.True(t, l.apply(msgAt("k", 1, "11")))
	assert.Len(t, l.poll(asked(map[string]int64{"k": 0}))[0].Msgs, 3)
	assert.False(t, l.apply(msgAt("k", 1, "99")), "an offset never changes its message")
	assert.Equal(t, []span{{"k", 1, []json.RawMessage{json.RawMessage("11"), json.RawMessage("12")}}}, l.poll(asked(map[string]int64{"k": 1})))
	last, ok := l.last("k")
	assert.True(t, ok)
	assert.EqualValues(t, 2, last.Offset)
}

func TestCommittedOffsetsOnlyRise(t *testing.T) {
	l := newLogs()
	assert.True(t, l.apply(record{Key: "k", Offset: 0, Commit: true}), "the first commit, even of 0, is news")
	assert.True(t, l.apply(record{Key: "k", Offset: 5, Commit: true}))
	assert.False(t, l.apply(record{Key: "k", Offset: 3, Commit: true}))
	assert.Equal(t, map[string]int64{"k": 5}, l.committedOffsets([]string{"k", "never"}))
}

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{{nil, "", "cas"}, {[]string{"leader"}, "", "leader"}, {nil, "leader", "leader"}, {[]string{"cas"}, "leader", "cas"}} {
		got, err := parseMode(tc.args, tc.env)
		assert.NoError(t, err)
		assert.Equal(t, tc.want, got, "%v %q", tc.args, tc.env)
	}
	_, err := parseMode([]string{"interval=5ms"}, "")
	assert.Error(t, err)
}

// A poll of many keys returns at most maxPerPoll messages in all, at most
// maxPerKey of a key, each key's from its requested offset without a gap,
// so a reader that polls again from where it got to reads everything.
func TestPollsAreBoundedInAll(t *testing.T) {
	l := newLogs()
	keys := 3 * maxPerPoll / maxPerKey
	from := map[string]int64{}
	for i := 0; i < keys; i++ {
		key := string(rune('a'+i%26)) + string(rune('a'+i/26))
		for off := int64(0); off < maxPerKey+5; off++ {
			l.append(key, json.RawMessage("1"))
		}
		from[key] = 0
	}
	read := 0
	for polls := 0; len(from) > 0; polls++ {
		assert.Less(t, polls, 10*keys, "the reader never caught up")
		total := 0
		for _, sp := range l.poll(asked(from)) {
			assert.Equal(t, from[sp.Key], sp.From, "a span starts where the reader got to")
			assert.LessOrEqual(t, len(sp.Msgs), maxPerKey)
			total += len(sp.Msgs)
			from[sp.Key] += int64(len(sp.Msgs))
			if from[sp.Key] == maxPerKey+5 {
				delete(from, sp.Key)
			}
		}
		assert.Positive(t, total, "every poll makes progress")
		assert.LessOrEqual(t, total, maxPerPoll)
		read += total
	}
	assert.Equal(t, keys*(maxPerKey+5), read)
}

// A poll answers the keys in the order the request names them: when it
// cannot return everything asked for, the keys named first are served.
func TestPollsAnswerInTheOrderAsked(t *testing.T) {
	l := newLogs()
	l.append("a", json.RawMessage("1"))
	l.append("b", json.RawMessage("2"))
	got := l.poll([]keyOffset{{"b", 0}, {"none", 0}, {"a", 0}})
	assert.Equal(t, []span{{"b", 0, []json.RawMessage{json.RawMessage("2")}}, {"a", 0, []json.RawMessage{json.RawMessage("1")}}}, got)
}
