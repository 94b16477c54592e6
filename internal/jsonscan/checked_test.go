package jsonscan

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzChecked checks the checking iterator against Valid, Object and
// Fields: it yields the same members, and OK is true exactly for valid
// objects.
func FuzzChecked(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":"x","a":[1,{"c":"}"}],"d":null}`,
		`{"k\u0065y":"v\"","":-0,"n":12345678901234567890}`,
		` { "x" : { } , "y" : [ ] , "z" : "\u00e9" } `,
		`{"a":1,}`, `{"a" 1}`, `{"a":1}x`, `{"a":[1,2}`, `{,"a":1}`, `{"a":1 "b":2}`, `{`, `{}`, `{} `,
		strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10000),
		strings.Repeat(`{"a":`, 10001) + `1` + strings.Repeat(`}`, 10001),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, ok := CheckObject(data)
		var got [][2]string
		if ok {
			for {
				k, v, more := c.Next()
				if !more {
					break
				}
				got = append(got, [2]string{string(k), string(v)})
			}
		}
		fields, isObj := Object(data)
		valid := Valid(data) && isObj
		require.Equal(t, valid, ok && c.OK(), "%.60q", data)
		if !valid {
			return
		}
		var want [][2]string
		for {
			k, v, more := fields.Next()
			if !more {
				break
			}
			want = append(want, [2]string{string(k), string(v)})
		}
		require.Equal(t, want, got, "%.60q", data)
	})
}

func TestMember(t *testing.T) {
	for _, c := range []struct {
		data string
		val  string
		ok   bool
	}{
		{`{"type":"x","offset":5}`, `5`, true},
		{` { "offset" : {"a":1} , "z":[1,2]} `, `{"a":1}`, true},
		{`{"type":"x"}`, ``, false},            // absent
		{`{"offset":1,"offset":2}`, ``, false}, // repeated
		{`{"offset":1,"Offset":2}`, ``, false}, // another spelling encoding/json matches
		{`{"OFFSET":1}`, ``, false},            // only another spelling
		{`{"offset":1,"x":}`, ``, false},       // invalid after the member
		{`{"offset":1`, ``, false},             // unterminated
		{`[{"offset":1}]`, ``, false},          // not an object
		{`{"offs\u0065t":3}`, `3`, true},       // the key as encoding/json decodes it
	} {
		val, ok := Member([]byte(c.data), "offset")
		if ok != c.ok || (ok && string(val) != c.val) {
			t.Errorf("Member(%s) = %q, %v; want %q, %v", c.data, val, ok, c.val, c.ok)
		}
	}
}
