package process

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var parseSeeds = []string{
	`{"src":"n0","dest":"c1","body":{"type":"echo_ok","in_reply_to":1,"echo":"x"}}`,
	` {"id":3, "src" : "n\u0030", "dest":"c1" ,"body": {"type":"x"} } `,
	`{"src":"n0","dest":"c1","body":{}}`,
	`{"SRC":"n0","dest":"c1","body":{}}`,
	`{"src":"n0","Src":"n1","dest":"c1","body":{}}`,
	`{"ſrc":"n0","dest":"c1","body":{}}`,
	`{"src":null,"src":"n0","dest":"c1","body":{}}`,
	`{"src":"n0","src":null,"dest":"c1","body":{}}`,
	`{"src":5,"src":"n0","dest":"c1","body":{}}`,
	`{"src":"n0","dest":"c1","body":{"a":1},"body":null}`,
	`{"src":"n0","dest":"c1","body":null,"body":{"a":1}}`,
	"{\"src\":\"n\xff\",\"dest\":\"c1\",\"body\":{}}",
	`{"src":"n0","dest":"c1","body":[1]}`,
	`{"src":"n0","dest":"c1"}`,
	`{"src":"n0","dest":"c1","body":{}`,
	`[]`,
	`hello`,
}

func TestParseLineAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range parseSeeds {
		checkParseLine(t, []byte(s))
	}
	// The fast path reads the ordinary case; the odd ones go to
	// encoding/json.
	_, _, _, ok := scanLine([]byte(parseSeeds[0]))
	assert.True(t, ok)
	_, _, _, ok = scanLine([]byte(parseSeeds[3]))
	assert.False(t, ok, "a case-folded key is left to encoding/json")
}

// FuzzParseLine checks parseLine (the jsonscan fast path with its
// fallback) against parseLineStd, the encoding/json reference.
//
//	go test ./harness/process -run '^$' -fuzz FuzzParseLine -fuzztime 60s
func FuzzParseLine(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkParseLine)
}

func checkParseLine(t *testing.T, line []byte) {
	src, dest, body, err := parseLine(line)
	wsrc, wdest, wbody, werr := parseLineStd(line)
	if werr != nil {
		require.EqualError(t, err, werr.Error(), "%q", line)
		return
	}
	require.NoError(t, err, "%q", line)
	assert.Equal(t, wsrc, src, "%q", line)
	assert.Equal(t, wdest, dest, "%q", line)
	assert.Equal(t, string(wbody), string(body), "%q", line)
}

func BenchmarkParseLine(b *testing.B) {
	line := []byte(`{"src":"n12","dest":"c7","body":{"type":"echo_ok","echo":"Please echo 85","msg_id":3,"in_reply_to":41}}`)
	b.Run("jsonscan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := parseLine(line); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := parseLineStd(line); err != nil {
				b.Fatal(err)
			}
		}
	})
}
