package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

func texts(elems []json.RawMessage) []string {
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = string(e)
	}
	sort.Strings(out)
	return out
}

func TestSetIsAGrowOnlyUnion(t *testing.T) {
	s := NewSet()
	require.NoError(t, s.Add(json.RawMessage(`1`)))
	require.NoError(t, s.Add(json.RawMessage(` 1 `)), "the same element, spaced")
	require.NoError(t, s.Add(json.RawMessage(`{"a": [1, 2]}`)))
	assert.Error(t, s.Add(json.RawMessage(`{`)))
	assert.Equal(t, []string{`1`, `{"a":[1,2]}`}, texts(s.Elements()))
	_, v := s.Snapshot()
	assert.Equal(t, uint64(2), v)

	// A peer with less: merged in, and the peer lacks something. Merged
	// elements are their adder's to send, so the version stays.
	covered, v, err := s.Merge(json.RawMessage(`[1, 2]`))
	require.NoError(t, err)
	assert.False(t, covered)
	assert.Equal(t, uint64(2), v)
	// A peer with everything: covered.
	covered, v, err = s.Merge(json.RawMessage(`[2, 1, {"a":[1,2]}, 2]`))
	require.NoError(t, err)
	assert.True(t, covered)
	assert.Equal(t, uint64(2), v)
	_, _, err = s.Merge(json.RawMessage(`{"not":"a list"}`))
	assert.Error(t, err)
	assert.Equal(t, []string{`1`, `2`, `{"a":[1,2]}`}, texts(s.Elements()))
}

// TestHandlers drives the node's handlers through its input, without a
// cluster: adds, a replicate from a peer, reads and malformed requests.
func TestHandlers(t *testing.T) {
	in := strings.NewReader(strings.Join([]string{
		`{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}`,
		`{"src":"c1","dest":"n0","body":{"type":"add","msg_id":2,"element":7}}`,
		`{"src":"n1","dest":"n0","body":{"type":"replicate","msg_id":3,"state":[7,8]}}`,
		`{"src":"c1","dest":"n0","body":{"type":"add","msg_id":4}}`,
		`{"src":"n1","dest":"n0","body":{"type":"replicate","msg_id":5,"state":3}}`,
	}, "\n"))
	var out strings.Builder
	n := node.NewNodeIO(in, &out)
	s := Register(n, DefaultConfig)
	require.NoError(t, n.Run())
	replies := map[int]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m struct {
			Body map[string]any `json:"body"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		replies[int(m.Body["in_reply_to"].(float64))] = m.Body
	}
	assert.Equal(t, "add_ok", replies[2]["type"])
	assert.Equal(t, "replicate_ok", replies[3]["type"])
	assert.EqualValues(t, node.MalformedRequest, replies[4]["code"])
	assert.EqualValues(t, node.MalformedRequest, replies[5]["code"])
	assert.Equal(t, []string{"7", "8"}, texts(s.Elements()))
}

func TestReadReplyIsAList(t *testing.T) {
	in := strings.NewReader(strings.Join([]string{
		`{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}`,
		`{"src":"c1","dest":"n0","body":{"type":"read","msg_id":2}}`,
	}, "\n"))
	var out strings.Builder
	n := node.NewNodeIO(in, &out)
	Register(n, DefaultConfig)
	require.NoError(t, n.Run())
	assert.Contains(t, out.String(), `"value":[]`, "an empty set reads as [], not null")
}
