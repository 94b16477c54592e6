package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

func TestCounterMergesByMaximum(t *testing.T) {
	a, b := NewCounter("n0"), NewCounter("n1")
	a.Add(5)
	a.Add(-3)
	a.Add(0)
	b.Add(-4)
	assert.Equal(t, int64(2), a.Value())
	assert.Equal(t, int64(-4), b.Value())
	_, v := a.Snapshot()
	assert.Equal(t, uint64(2), v, "a zero delta changes nothing")

	merge := func(into, from *Counter) bool {
		s, _ := from.Snapshot()
		raw, err := json.Marshal(s)
		require.NoError(t, err)
		covered, _, err := into.Merge(raw)
		require.NoError(t, err)
		return covered
	}
	assert.False(t, merge(a, b), "b lacks a's totals")
	assert.Equal(t, int64(-2), a.Value())
	assert.True(t, merge(b, a), "a has everything b has after the merge")
	assert.Equal(t, int64(-2), b.Value())
	// Merging again, or an older state, changes nothing.
	_, v = a.Snapshot()
	assert.True(t, merge(a, b))
	old := NewCounter("n0")
	old.Add(5)
	assert.False(t, merge(a, old))
	_, v2 := a.Snapshot()
	assert.Equal(t, v, v2)
	assert.Equal(t, int64(-2), a.Value())

	for _, bad := range []string{`[1]`, `{"n0":{"p":-1,"n":0}}`, `{"n0":{"p":"x"}}`} {
		_, _, err := a.Merge(json.RawMessage(bad))
		assert.Error(t, err, bad)
	}
}

func TestHandlers(t *testing.T) {
	in := strings.NewReader(strings.Join([]string{
		`{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}}`,
		`{"src":"c1","dest":"n0","body":{"type":"add","msg_id":2,"delta":-3}}`,
		`{"src":"n1","dest":"n0","body":{"type":"replicate","msg_id":3,"state":{"n1":{"p":10,"n":1}}}}`,
		`{"src":"c1","dest":"n0","body":{"type":"add","msg_id":4,"delta":"x"}}`,
		`{"src":"c1","dest":"n0","body":{"type":"add","msg_id":5}}`,
		`{"src":"n1","dest":"n0","body":{"type":"replicate","msg_id":6}}`,
	}, "\n"))
	var out strings.Builder
	n := node.NewNodeIO(in, &out)
	c := Register(n, DefaultConfig)
	require.NoError(t, n.Run())
	replies := map[int]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m struct {
			Body map[string]any `json:"body"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		if r, ok := m.Body["in_reply_to"].(float64); ok {
			replies[int(r)] = m.Body
		}
	}
	assert.Equal(t, "add_ok", replies[2]["type"])
	assert.Equal(t, "replicate_ok", replies[3]["type"])
	for _, id := range []int{4, 5, 6} {
		assert.EqualValues(t, node.MalformedRequest, replies[id]["code"], "msg %d", id)
	}
	assert.Equal(t, int64(6), c.Value())
}
