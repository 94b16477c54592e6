package uniqueids

import (
	"glomers/internal/scenario"
	"testing"

	"github.com/stretchr/testify/assert"

	"glomers/harness/check"
)

func TestDistinctIDsAreValid(t *testing.T) {
	res := Check(scenario.Parse(t, `
{"type":"invoke","process":0,"f":"generate"}
{"type":"ok","process":0,"f":"generate","value":"n0-1"}
{"type":"invoke","process":1,"f":"generate"}
{"type":"ok","process":1,"f":"generate","value":"n1-1"}
{"type":"invoke","process":2,"f":"generate"}
{"type":"info","process":2,"f":"generate","error":"net-timeout"}
`))
	assert.Equal(t, check.Valid, res.Valid)
	assert.Equal(t, 3, res.AttemptedCount)
	assert.Equal(t, 2, res.AcknowledgedCount)
	assert.Equal(t, 0, res.DuplicatedCount)
	assert.Equal(t, []any{"n0-1", "n1-1"}, res.Range)
}

func TestDuplicatesAreInvalidAndCounted(t *testing.T) {
	res := Check(scenario.Parse(t, `
{"type":"invoke","process":0,"f":"generate"}
{"type":"ok","process":0,"f":"generate","value":7}
{"type":"invoke","process":1,"f":"generate"}
{"type":"ok","process":1,"f":"generate","value":7}
{"type":"invoke","process":1,"f":"generate"}
{"type":"ok","process":1,"f":"generate","value":"7"}
{"type":"invoke","process":0,"f":"generate"}
{"type":"ok","process":0,"f":"generate","value":3}
`))
	assert.Equal(t, check.Invalid, res.Valid)
	assert.Equal(t, 1, res.DuplicatedCount, `7 twice; "7" is a different id`)
	assert.Equal(t, map[string]int{"7": 2}, res.Duplicated)
	assert.Equal(t, 4, res.AcknowledgedCount)
}
