package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

func TestRecordsReadBackAsWritten(t *testing.T) {
	records := []record{
		{Key: "k", Offset: 0, Msg: json.RawMessage("1")},
		{Key: "k", Offset: 7, Commit: true},
		{Key: "q\"\\\n\u00e9<", Offset: 3, Msg: json.RawMessage(`{"a":[1,"]"]}`), SendID: "n1-5"},
		{Key: "", Offset: 1, Msg: json.RawMessage("null")},
	}
	s := newStream(0, 100)
	s.setPeers([]string{"n1"})
	s.add(records...)
	p := s.tick(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))["n1"]
	body := p.body()
	require.True(t, json.Valid(body), "%s", body)
	got, rs, ok := parsePush(body)
	require.True(t, ok)
	assert.Equal(t, push{From: 0, Upto: 4}, got)
	assert.Equal(t, records, rs)
}

func TestMalformedPushesAreRejected(t *testing.T) {
	for _, body := range []string{
		`{"type":"replicate","from":0,"upto":1,"ack":0,"records":[["k"]]}`,
		`{"type":"replicate","from":0,"upto":1,"ack":0,"records":[[1,0,1]]}`,
		`{"type":"replicate","from":0,"upto":1,"ack":0,"records":[["k",0.5,1]]}`,
		`{"type":"replicate","from":0,"upto":1,"ack":0,"records":[["k",0,1,"id",5]]}`,
		`{"type":"replicate","from":0,"upto":1,"ack":0,"records":{}}`,
		`{"type":"replicate","from":0,"upto":1,"records":[]}`,
		`{"type":"replicate","from":2,"upto":1,"ack":0}`,
		`{"type":"replicate","from":"0","upto":1,"ack":0}`,
	} {
		_, _, ok := parsePush([]byte(body))
		assert.False(t, ok, body)
	}
}

func TestPollOKKeepsMaelstromsSchema(t *testing.T) {
	body := pollOKBody([]span{
		{"a", 3, []json.RawMessage{json.RawMessage("30"), json.RawMessage(`"x"`)}},
		{"b\"", 0, []json.RawMessage{json.RawMessage("1")}},
	})
	var got struct {
		Type string                          `json:"type"`
		Msgs map[string][][2]json.RawMessage `json:"msgs"`
	}
	require.NoError(t, json.Unmarshal(body, &got), "%s", body)
	assert.Equal(t, "poll_ok", got.Type)
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	assert.Equal(t, map[string][][2]json.RawMessage{
		"a":   {{raw("3"), raw("30")}, {raw("4"), raw(`"x"`)}},
		"b\"": {{raw("0"), raw("1")}},
	}, got.Msgs)
	assert.JSONEq(t, `{"type":"poll_ok","msgs":{}}`, string(pollOKBody(nil)))
}

// FuzzReadOffsetsMatchesDecode checks the hand reader of poll and commit
// offsets against node.Decode: whatever it accepts, Decode reads the same,
// each key once. Bodies are valid JSON, as the node library hands them.
func FuzzReadOffsetsMatchesDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"poll","msg_id":3,"offsets":{"k1":0,"k\u0032":17,"":-1}}`,
		`{"type":"poll","offsets":{}}`,
		`{"type":"poll","offsets":null}`,
		`{"type":"poll","Offsets":{"a":1},"offsets":{"b":2}}`,
		`{"type":"poll","offsets":{"a":1},"offsets":{"b":2}}`,
		`{"type":"poll","offsets":{"a":1,"a":2}}`,
		`{"type":"poll","offsets":{"b":1,"a":2,"b":3}}`,
		`{"type":"poll","offsets":{"a":1,"\u0061":2}}`,
		`{"type":"poll","offsets":{"a":1.0,"b":1e2,"c":99999999999999999999}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return
		}
		got, ok := readOffsets(body)
		if !ok {
			return
		}
		want, err := node.Decode[offsetsReq](node.Message{Body: body})
		require.NoError(t, err, "readOffsets accepted what Decode rejects: %s", body)
		read := map[string]int64{}
		for _, o := range got {
			read[o.key] = o.offset
		}
		assert.Len(t, read, len(got), "a key read twice: %s", body)
		assert.Equal(t, len(want.Offsets), len(read), "%s", body)
		for k, o := range want.Offsets {
			assert.Equal(t, o, read[k], "%s", body)
		}
	})
}

// Offsets are read in the order the request gives them, which is the
// order a poll answers them in; a key twice, in or out of order, is left
// to node.Decode (which keeps the last).
func TestOffsetsKeepTheRequestsOrder(t *testing.T) {
	got, ok := readOffsets([]byte(`{"type":"poll","offsets":{"b":1,"a":2,"10":3}}`))
	require.True(t, ok)
	assert.Equal(t, []keyOffset{{"b", 1}, {"a", 2}, {"10", 3}}, got)
	for body, want := range map[string][]keyOffset{
		`{"offsets":{"a":1,"a":2}}`:       {{"a", 2}},
		`{"offsets":{"b":1,"a":2,"b":3}}`: {{"a", 2}, {"b", 3}},
		`{"offsets":{"a":1,"\u0061":2}}`:  {{"a", 2}},
	} {
		_, ok := readOffsets([]byte(body))
		assert.False(t, ok, body)
		got, err := decodeOffsets(node.Message{Body: json.RawMessage(body)})
		require.NoError(t, err, body)
		assert.Equal(t, want, got, body)
	}
}
