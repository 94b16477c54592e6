package jsonscan

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type member struct{ key, val string }

func members(t *testing.T, data string) []member {
	t.Helper()
	require.True(t, Valid([]byte(data)))
	f, ok := Object([]byte(data))
	require.True(t, ok, data)
	var out []member
	for {
		k, v, ok := f.Next()
		if !ok {
			return out
		}
		out = append(out, member{string(k), string(v)})
	}
}

func TestFields(t *testing.T) {
	assert.Empty(t, members(t, `{}`))
	assert.Empty(t, members(t, " \t{ \n}\r"))
	assert.Equal(t, []member{
		{"a", `1`}, {"b", `"x,}"`}, {"c", `{"d":[1,{"e":"]"}]}`}, {"f", `[ ]`}, {"g", `null`}, {"h", `-1.5e3`}, {"a", `true`},
	}, members(t, ` { "a" : 1 , "b":"x,}", "c":{"d":[1,{"e":"]"}]},"f":[ ],"g":null,"h":-1.5e3,"a":true } `))
	assert.Equal(t, []member{{"type", `"x"`}, {`q"`, `"\""`}},
		members(t, `{"typ\u0065":"x","q\"":"\""}`), "keys are unescaped")

	for _, notObject := range []string{`[]`, `"{"`, `1`, ` null `} {
		_, ok := Object([]byte(notObject))
		assert.False(t, ok, notObject)
	}
}

func TestScalars(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"abc"`, "abc", true},
		{`""`, "", true},
		{`"a\"b\u00e9\n"`, "a\"b\u00e9\n", true},
		{"\"\xff\"", "\ufffd", true},
		{`"\ud83d\ude00"`, "\U0001F600", true},
		{`5`, "", false},
		{`null`, "", false},
		{`"`, "", false},
	} {
		s, ok := DecodeString([]byte(c.raw))
		assert.Equal(t, c.ok, ok, c.raw)
		assert.Equal(t, c.want, s, c.raw)
	}

	inner, ok := PlainString([]byte(`"n12"`))
	assert.True(t, ok)
	assert.Equal(t, "n12", string(inner))
	for _, notPlain := range []string{`"a\n"`, "\"\xc3\xa9\"", `12`, `n`} {
		_, ok := PlainString([]byte(notPlain))
		assert.False(t, ok, notPlain)
	}

	assert.True(t, IsNull([]byte(`null`)))
	assert.False(t, IsNull([]byte(`"null"`)))

	for _, c := range []struct {
		raw  string
		want int64
		ok   bool
	}{
		{`0`, 0, true}, {`-0`, 0, true}, {`42`, 42, true}, {`-7`, -7, true},
		{`999999999999999999`, 999999999999999999, true},
		{`9223372036854775807`, 9223372036854775807, true},
		{`-9223372036854775808`, -9223372036854775808, true},
		{`9223372036854775808`, 0, false},
		{`1.0`, 0, false}, {`1e2`, 0, false}, {`"1"`, 0, false}, {`null`, 0, false}, {`-`, 0, false}, {``, 0, false},
	} {
		n, ok := Int([]byte(c.raw))
		assert.Equal(t, c.ok, ok, c.raw)
		if c.ok {
			assert.Equal(t, c.want, n, c.raw)
		}
	}
}

// FuzzFields checks the object iterator and the scalar readers against
// encoding/json: for every valid object, the last value of each key is
// the one encoding/json keeps, and DecodeString and Int read what
// encoding/json reads into a string and an int64.
func FuzzFields(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":"x","a":[1,{"c":"}"}],"d":null}`,
		`{"k\u0065y":"v\"","":-0,"n":12345678901234567890}`,
		` { "x" : { } , "y" : [ ] , "z" : "\u00e9" } `,
		"{\"s\":\"\xff\",\"i\":-42,\"f\":1.5e3}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !Valid(data) {
			return
		}
		var want map[string]json.RawMessage
		fields, ok := Object(data)
		if json.Unmarshal(data, &want) != nil || want == nil {
			require.False(t, ok, "Object accepted a non-object: %q", data)
			return
		}
		require.True(t, ok, "%q", data)
		got := map[string][]byte{}
		for {
			k, v, ok := fields.Next()
			if !ok {
				break
			}
			got[string(k)] = v
		}
		require.Equal(t, len(want), len(got), "%q", data)
		for k, w := range want {
			v := got[k]
			require.Equal(t, string(w), string(v), "key %q in %q", k, data)
			var ws string
			werr := json.Unmarshal(v, &ws)
			s, ok := DecodeString(v)
			require.Equal(t, werr == nil && !IsNull(v), ok, "%q", v)
			if ok {
				require.Equal(t, ws, s, "%q", v)
			}
			var wi int64
			werr = json.Unmarshal(v, &wi)
			n, ok := Int(v)
			require.Equal(t, werr == nil && !IsNull(v), ok, "%q", v)
			if ok {
				require.Equal(t, wi, n, "%q", v)
			}
		}
	})
}

func BenchmarkValid(b *testing.B) {
	line := []byte(`{"src":"n12","dest":"c7","body":{"type":"echo_ok","echo":"Please echo 85","msg_id":3,"in_reply_to":41}}`)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if !Valid(line) {
			b.Fatal("invalid")
		}
	}
}

func elems(t *testing.T, data string) []string {
	t.Helper()
	require.True(t, Valid([]byte(data)))
	e, ok := Array([]byte(data))
	require.True(t, ok, data)
	var out []string
	for {
		v, ok := e.Next()
		if !ok {
			return out
		}
		out = append(out, string(v))
	}
}

func TestElems(t *testing.T) {
	assert.Empty(t, elems(t, `[]`))
	assert.Empty(t, elems(t, " \t[ \n]\r"))
	assert.Equal(t, []string{`1`, `"x,]"`, `{"d":[1,{"e":"]"}]}`, `[ ]`, `null`, `-1.5e3`, `true`},
		elems(t, ` [ 1 , "x,]",{"d":[1,{"e":"]"}]},[ ],null, -1.5e3 ,true ] `))
	for _, notArray := range []string{`{}`, `"["`, `1`, ` null `} {
		_, ok := Array([]byte(notArray))
		assert.False(t, ok, notArray)
	}
}
