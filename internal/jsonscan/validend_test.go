package jsonscan

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidEndFindsTheEndOfAValidValue(t *testing.T) {
	for _, c := range []struct {
		data string
		at   int
		want int
	}{
		{`{"a": [1, {"b":"c"}] ,"d":1}`, 5, 20},
		{`{"a":1.5e3}`, 5, 10},
		{`{"a":"\u00e9"}`, 5, 13},
		{`{"a":[1,]}`, 5, -1},
		{`{"a":01}`, 5, 6}, // "0"; the caller finds the stray "1"
		{`{"a":`, 5, -1},
		{`{"a":tru}`, 5, -1},
	} {
		assert.Equal(t, c.want, ValidEnd([]byte(c.data), c.at), c.data)
	}
}
