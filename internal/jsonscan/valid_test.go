package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	cases := []string{
		``, ` `, `1`, ` 1 `, `-0`, `-`, `01`, `1.`, `1.5`, `1e`, `1e+`, `1E-7`, `-12.5e10`, `.5`, `+1`,
		`"`, `""`, `"a`, `"\"`, `"\\"`, `"\u00e9"`, `"\u00g9"`, `"\x"`, "\"\x01\"", "\"\xff\"", `"\/"`,
		`true`, `tru`, `truex`, `false`, `null`, `nul`, `nullnull`, `1 2`,
		`{}`, `{ }`, `{`, `}`, `{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`, `{,}`, `{"a":}`,
		`[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `[[[]]]`, `[[]`, `[]]`, `[{"a":[{"b":null}]}]`, `{"a":[}`, `[1}`, `{"a":1]`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat(`{"a":`, 3) + `1` + strings.Repeat(`}`, 3),
		"\t\r\n{\"a\"\t:\r[\n1\t,\"x\"]}\n",
	}
	for _, c := range cases {
		assert.Equal(t, json.Valid([]byte(c)), Valid([]byte(c)), "%.40q", c)
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x\n",true,null]}`, `[`, `"\u12`, `-0.0e-0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if json.Valid(b) != Valid(b) {
			t.Fatalf("Valid(%q) = %v, json.Valid says %v", b, Valid(b), json.Valid(b))
		}
	})
}
