package elle

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAnomaliesProhibitedBy(t *testing.T) {
	ru := anomaliesProhibitedBy([]string{"read-uncommitted"})
	for _, a := range []string{"G0", "cyclic-versions", "PL-1-cycle-exists", "duplicate-elements"} {
		assert.True(t, ru[a], a)
	}
	for _, a := range []string{"G1a", "G1b", "G1c", "G-single-item", "internal", "lost-update"} {
		assert.False(t, ru[a], a)
	}
	rc := anomaliesProhibitedBy([]string{"read-committed"})
	for _, a := range []string{"G0", "G1a", "G1b", "G1c", "dirty-update", "PL-2-cycle-exists", "PL-1-cycle-exists"} {
		assert.True(t, rc[a], a)
	}
	for _, a := range []string{"G-single-item", "G2-item", "lost-update", "G1c-realtime", "internal"} {
		assert.False(t, rc[a], a)
	}
	ser := anomaliesProhibitedBy([]string{"serializable"})
	for _, a := range []string{"G-single-item", "G2-item", "G-nonadjacent-item", "lost-update", "internal", "G1c"} {
		assert.True(t, ser[a], a)
	}
	assert.False(t, ser["G-single-item-realtime"])
	ss := anomaliesProhibitedBy([]string{"strict-serializable"})
	for _, a := range []string{"G-single-item-realtime", "G1c-realtime", "G0-realtime", "G2-item-process"} {
		assert.True(t, ss[a], a)
	}
	si := anomaliesProhibitedBy([]string{"snapshot-isolation"})
	assert.True(t, si["G-single-item"])
	assert.True(t, si["G-nonadjacent-item"])
	assert.False(t, si["G2-item"])
}

func TestBoundary(t *testing.T) {
	not, also := boundary([]string{"G1c"})
	assert.Equal(t, []string{"read-committed"}, not)
	assert.Contains(t, also, "serializable")
	assert.Contains(t, also, "strong-serializable")
	assert.NotContains(t, also, "read-uncommitted")

	not, _ = boundary([]string{"G0"})
	assert.Equal(t, []string{"read-uncommitted"}, not)
	not, _ = boundary([]string{"empty-transaction-graph"})
	assert.Empty(t, not)
	not, _ = boundary([]string{"G2-item"})
	assert.Equal(t, []string{"repeatable-read"}, not)
}

func TestValidateModels(t *testing.T) {
	assert.NoError(t, ValidateModels([]string{"read-uncommitted", "read-committed", "serializable",
		"strict-serializable", "snapshot-isolation", "repeatable-read", "PL-2", "cursor-stability"}))
	assert.ErrorContains(t, ValidateModels([]string{"read-committed", "bogus"}), "bogus")
}
