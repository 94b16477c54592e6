package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTxn(t *testing.T) {
	txn, err := ParseTxn(json.RawMessage(`[["r", 1, null], ["append", 1, 2], ["append", "k", {"a": 1}]]`))
	require.NoError(t, err)
	assert.Equal(t, []Mop{
		{F: "r", Key: "1"},
		{F: "append", Key: "1", Value: json.RawMessage("2")},
		{F: "append", Key: `"k"`, Value: json.RawMessage(`{"a":1}`)},
	}, txn)
	for _, bad := range []string{`{}`, `[["r", 1]]`, `[["w", 1, 2]]`, `[[1, 1, 2]]`, `[["append", 1]]`, `"x"`} {
		_, err := ParseTxn(json.RawMessage(bad))
		assert.Error(t, err, bad)
	}
	txn, err = ParseTxn(json.RawMessage(`[]`))
	require.NoError(t, err)
	assert.Empty(t, txn)
}

// TestExecuteSeesItsOwnAppends: reads after an append in the same
// transaction see it; the view is left untouched.
func TestExecuteSeesItsOwnAppends(t *testing.T) {
	base := map[string][]json.RawMessage{"1": {json.RawMessage("5")}}
	view := func(key string) ([]json.RawMessage, error) { return base[key], nil }
	txn, err := ParseTxn(json.RawMessage(`[["r",1,null],["append",1,6],["r",1,null],["r",2,null],["append",2,7],["append",2,8],["r",2,null]]`))
	require.NoError(t, err)
	done, writes, err := Execute(txn, view)
	require.NoError(t, err)
	b, err := json.Marshal(done)
	require.NoError(t, err)
	assert.JSONEq(t, `[["r",1,[5]],["append",1,6],["r",1,[5,6]],["r",2,null],["append",2,7],["append",2,8],["r",2,[7,8]]]`, string(b))
	assert.Len(t, writes, 2)
	assert.Equal(t, []json.RawMessage{json.RawMessage("5")}, base["1"], "the view's list is not modified")
}
