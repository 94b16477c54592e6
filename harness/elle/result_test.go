package elle

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
)

func TestNewModels(t *testing.T) {
	m, err := NewModels(nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"strict-serializable"}, m.Names)
	assert.Equal(t, RelRealtime, m.Order)
	m, err = NewModels([]string{"strong-session-serializable"})
	require.NoError(t, err)
	assert.Equal(t, RelProcess, m.Order)
	m, err = NewModels([]string{"serializable"})
	require.NoError(t, err)
	assert.Zero(t, m.Order)
	_, err = NewModels([]string{"bogus"})
	assert.ErrorContains(t, err, "bogus")
}

// TestResultMap follows elle.txn/result-map: nothing reportable is valid
// with no boundary; a prohibited anomaly is invalid; only an unknown type
// is unknown; anomalies the models allow are not reported.
func TestResultMap(t *testing.T) {
	rc, err := NewModels([]string{"read-committed"})
	require.NoError(t, err)

	res := rc.ResultMap(map[string]any{"G-single-item": []int{1}}, AsElle)
	assert.Equal(t, check.Valid, res.Valid)
	assert.Empty(t, res.AnomalyTypes)
	assert.Nil(t, res.Not)
	assert.Nil(t, res.Explain())

	res = rc.ResultMap(map[string]any{"G1c": []int{1}, "G-single-item": []int{2}}, AsElle)
	assert.Equal(t, check.Invalid, res.Valid)
	assert.Equal(t, []string{"G1c"}, res.AnomalyTypes)
	assert.Equal(t, []string{"read-committed"}, res.Not, "the boundary counts every anomaly found")
	assert.Contains(t, res.AlsoNot, "serializable")

	res = rc.ResultMap(map[string]any{"empty-transaction-graph": true}, AsElle)
	assert.Equal(t, check.Unknown, res.Valid)
	assert.Equal(t, []string{"empty-transaction-graph: no dependency relates any two transactions, so there was nothing to analyse."}, res.Explain())

	// A cycle-exists case that a concrete G1c already explains is dropped.
	res = rc.ResultMap(map[string]any{"G1c": []int{1}, "PL-2-cycle-exists": []int{1}}, AsElle)
	assert.Equal(t, []string{"G1c"}, res.AnomalyTypes)
}

// TestResultMapMaelstromRW follows Maelstrom's txn-rw-register wrapper:
// cycle-search-timeout is never reported, anything else reported is
// invalid, and the boundary is given whenever anything was found.
func TestResultMapMaelstromRW(t *testing.T) {
	rc, err := NewModels([]string{"read-committed"})
	require.NoError(t, err)

	res := rc.ResultMap(map[string]any{"cycle-search-timeout": []int{1}, "lost-update": []int{2}}, MaelstromRW)
	assert.Equal(t, check.Valid, res.Valid)
	assert.Empty(t, res.AnomalyTypes)
	assert.Contains(t, res.Not, "cursor-stability", "the boundary counts what was found, reported or not")

	res = rc.ResultMap(map[string]any{"empty-transaction-graph": true}, MaelstromRW)
	assert.Equal(t, check.Invalid, res.Valid, "reported, though no model prohibits it")

	res = rc.ResultMap(map[string]any{}, MaelstromRW)
	assert.Equal(t, check.Valid, res.Valid)
	assert.Empty(t, res.Not)
}

func TestShow(t *testing.T) {
	assert.Equal(t, `[1 "x" nil [2 3]]`, Show([]any{int64(1), "x", nil, []any{int64(2), int64(3)}}))
}

// TestLinkRealtime: a transitive reduction of "completed before invoked";
// failed txns (not vertices) only count as vertices.
func TestLinkRealtime(t *testing.T) {
	op := func(i int, typ history.Type) history.Op { return history.Op{Index: i, Type: typ} }
	// a: [0,1], b: [2,3], c: [4,6], d (failed): [5,7], e: [8,9]
	txns := []Timing{
		{Vertex: 0, Inv: op(0, history.Invoke), Comp: op(1, history.OK), Completed: true},
		{Vertex: 1, Inv: op(2, history.Invoke), Comp: op(3, history.OK), Completed: true},
		{Vertex: 2, Inv: op(4, history.Invoke), Comp: op(6, history.OK), Completed: true},
		{Vertex: -1, Inv: op(5, history.Invoke), Comp: op(7, history.Fail), Completed: true},
		{Vertex: 3, Inv: op(8, history.Invoke), Comp: op(9, history.Info), Completed: true},
	}
	b := NewGraphBuilder(4)
	LinkRealtime(b, txns)
	g := b.Build()
	assert.Equal(t, RelRealtime, g.edgeMask(0, 1))
	assert.Equal(t, RelRealtime, g.edgeMask(1, 2))
	assert.Zero(t, g.edgeMask(0, 2), "implied by 0 -> 1 -> 2")
	assert.Equal(t, RelRealtime, g.edgeMask(2, 3))
	assert.Zero(t, g.edgeMask(1, 3), "implied by 1 -> 2 -> 3")
	assert.Equal(t, 5, b.VertexCount(), "four vertices and the failed txn")

	b = NewGraphBuilder(4)
	txns[1].Comp.Process, txns[2].Comp.Process = 7, 7
	LinkProcess(b, txns)
	g = b.Build()
	assert.Equal(t, RelProcess, g.edgeMask(1, 2))
	assert.Zero(t, g.edgeMask(2, 3), "info txns have no process edges")
}
