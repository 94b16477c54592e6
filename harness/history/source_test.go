package history

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleOps covers every field and the value shapes workloads record.
func sampleOps() History {
	return History{
		{Index: 0, Time: 10, Type: Invoke, Process: 0, F: "send", Value: []any{[]any{"send", "9", int64(3)}}, Node: "n0", Client: "c3"},
		{Index: 1, Time: 25, Type: OK, Process: 0, F: "send", Value: []any{[]any{"send", "9", []any{int64(0), int64(3)}}}, Node: "n0", Client: "c3"},
		{Index: 2, Time: 26, Type: Info, Process: NemesisProcess, F: "start-partition", Value: map[string]any{"n1": []any{"n2"}}},
		{Index: 3, Time: 30, Type: Fail, Process: 1, F: "read", Error: []any{"key-does-not-exist", "<no> & \"key\""}, Final: true},
		{Index: 4, Time: 31, Type: OK, Process: 2, F: "echo", Value: "héllo\u2028", Node: "n<1>"},
		{Index: 5, Time: 32, Type: Info, Process: 3, F: "txn", Value: []any{1.5, true, nil, int64(-7)}, Error: "net-timeout"},
		{Index: 6, Time: 33, Type: OK, Process: 4, F: "poll", Value: []any{[]any{"poll", map[string]any{"a": []any{}, "b": []any{[]any{int64(1), int64(2)}}}}}},
	}
}

// Writer writes exactly what encoding/json writes for an Op, so files
// written before streaming and after are the same.
func TestWriterMatchesEncodingJSON(t *testing.T) {
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	for _, o := range sampleOps() {
		require.NoError(t, enc.Encode(o))
	}
	var got bytes.Buffer
	require.NoError(t, WriteJSONLines(&got, sampleOps()))
	assert.Equal(t, want.String(), got.String())
}

// A history streamed to a file reads back, through File's Scan and
// ReadJSONLines alike, as the ops recorded.
func TestFileScanReadsBackWhatWasWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := NewWriter(f)
	for _, o := range sampleOps() {
		require.NoError(t, w.Write(&o))
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())

	back, err := Collect(File(path))
	require.NoError(t, err)
	assert.Equal(t, sampleOps(), back)

	r, err := os.Open(path)
	require.NoError(t, err)
	defer r.Close()
	read, err := ReadJSONLines(r)
	require.NoError(t, err)
	assert.Equal(t, sampleOps(), read)

	// Without values: every other field, no Value.
	var bare History
	require.NoError(t, File(path).Scan(false, func(o *Op) error { bare = append(bare, *o); return nil }))
	for i := range bare {
		want := sampleOps()[i]
		want.Value, want.Error = nil, nil
		bare[i].Error = nil
		assert.Equal(t, want, bare[i])
	}

	// Raw: the value's JSON beside the op.
	var raws []string
	require.NoError(t, File(path).ScanRaw(func(o *Op, v []byte) error {
		assert.Nil(t, o.Value)
		raws = append(raws, string(v))
		return nil
	}))
	require.Len(t, raws, len(sampleOps()))
	assert.Equal(t, `[["send","9",[0,3]]]`, raws[1])
	assert.Equal(t, `null`, raws[3])
	for i, raw := range raws {
		v, err := DecodeValue([]byte(raw))
		require.NoError(t, err)
		if raw == "null" {
			v = nil
		}
		assert.Equal(t, sampleOps()[i].Value, v)
	}
}

// Lines the fast reader does not take (keys in another case, numbers
// where encoding/json wants integers) decode as encoding/json decodes
// them, errors included.
func TestUnusualLinesDecodeAsEncodingJSON(t *testing.T) {
	_, err := ReadJSONLines(strings.NewReader(`{"index":4,"type":"ok","process":"2","f":"x"}`))
	assert.Error(t, err)
	h, err := ReadJSONLines(strings.NewReader(`{"INDEX":3,"type":"ok","process":1,"f":"x","value":[1]}`))
	require.NoError(t, err)
	assert.Equal(t, History{{Index: 3, Type: OK, Process: 1, F: "x", Value: []any{int64(1)}}}, h)
	_, err = ReadJSONLines(strings.NewReader(`{"index":1.5}`))
	assert.Error(t, err)
	_, err = ReadJSONLines(strings.NewReader(`{"index":1,`))
	assert.Error(t, err)
}

// WrittenFile reads what a Writer wrote as File does, in every mode, and
// lines in any other layout (read by File's path) too.
func TestWrittenFileReadsAsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	var b bytes.Buffer
	require.NoError(t, WriteJSONLines(&b, sampleOps()))
	for _, line := range []string{
		`{"INDEX":3,"type":"ok","process":1,"f":"x","value":[1]}`,
		`{"index":7,"time":1,"type":"o\u006b","process":1,"f":"x","value":{"a":"]\"}"},"node":"n1"}`,
		`{"index":8, "time":2,"type":"ok","process":1,"f":"x","value":null}`,
		`{"index":9,"time":3,"type":"info","process":1,"f":"x","value":"a\\","error":[1,"\\\""],"final?":true,"node":"n\"1"}`,
		`{"index":10,"time":4,"type":"ok","process":-1,"f":"x","value":[[[]],{}],"error":null,"client":"c1"}`,
		`{"index":11,"time":5,"type":"ok","process":2,"f":"x","value":1.5,"final?":false}`,
		`{"index":12,"time":5,"type":"ok","process":2,"f":"x","value":1 }`,
		`{"index":14,"time":5,"type":"ok","process":2,"f":"x","value":[1]}}`,
		"{\"index\":15,\"time\":5,\"type\":\"ok\",\"process\":2,\"f\":\"x\",\"value\":1\t}",
		`{"index":13,"time":5,"type":"ok","process":2,"f":"x","value":[1,2],"node":"n1","client":"c2"}  `,
	} {
		b.WriteString(line + "\n")
	}
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))

	for _, values := range []bool{false, true} {
		var want, got History
		require.NoError(t, File(path).Scan(values, func(o *Op) error { want = append(want, *o); return nil }))
		require.NoError(t, WrittenFile(path).Scan(values, func(o *Op) error { got = append(got, *o); return nil }))
		assert.Equal(t, want, got, "values %v", values)
	}
	type rawOp struct {
		Op
		raw string
	}
	var want, got []rawOp
	require.NoError(t, File(path).ScanRaw(func(o *Op, v []byte) error { want = append(want, rawOp{*o, string(v)}); return nil }))
	require.NoError(t, WrittenFile(path).ScanRaw(func(o *Op, v []byte) error { got = append(got, rawOp{*o, string(v)}); return nil }))
	assert.Equal(t, want, got)
	assert.Len(t, got, len(sampleOps())+10)
}

// A line cut short, or not JSON, is an error from WrittenFile as from
// File, whatever was asked of it.
func TestWrittenFileRejectsBrokenLines(t *testing.T) {
	for _, line := range []string{
		`{"index":1,"time":1,"type":"ok","process":1,"f":"x","value":[1,2`,
		`{"index":1,"time":1,"type":"ok","process":1,"f":"x","value":"ab`,
		`{"index":1,"time":1,"type":"ok","process":1,"f":"x","value":[1]`,
		`{"index":012,"time":5,"type":"ok","process":2,"f":"x","value":1}`,
		`{"index":1,"time":1,"type":"ok","process":1,"f":"x"`,
		`not json`,
	} {
		path := filepath.Join(t.TempDir(), "history.jsonl")
		require.NoError(t, os.WriteFile(path, []byte(line+"\n"), 0o644))
		assert.Error(t, WrittenFile(path).Scan(false, func(*Op) error { return nil }), line)
		assert.Error(t, WrittenFile(path).ScanRaw(func(*Op, []byte) error { return nil }), line)
		assert.Error(t, File(path).Scan(false, func(*Op) error { return nil }), line)
	}
}
