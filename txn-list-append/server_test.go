package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

// TestMalformedRequests: requests the schema does not allow are answered
// with malformed-request before the store is asked anything; pushes from
// strangers or of garbage are ignored without an answer.
func TestMalformedRequests(t *testing.T) {
	in := strings.NewReader(strings.Join([]string{
		`{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}}`,
		`{"src":"c1","dest":"n0","body":{"type":"txn","msg_id":2}}`,
		`{"src":"c1","dest":"n0","body":{"type":"txn","msg_id":3,"txn":[["w",1,2]]}}`,
		`{"src":"c1","dest":"n0","body":{"type":"txn","msg_id":4,"txn":[["r",1]]}}`,
		`{"src":"n1","dest":"n0","body":{"type":"push","root":7}}`,
		`{"src":"c1","dest":"n0","body":{"type":"push","root":{"v":9,"s":{}}}}`,
	}, "\n"))
	var out strings.Builder
	n := node.NewNodeIO(in, &out)
	Register(n, DefaultStoreConfig)
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
	assert.Equal(t, "init_ok", replies[1]["type"])
	for _, id := range []int{2, 3, 4} {
		assert.EqualValues(t, node.MalformedRequest, replies[id]["code"], "msg %d", id)
	}
	assert.Len(t, replies, 4, "pushes are never answered")
}
