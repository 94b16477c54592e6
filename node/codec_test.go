package node_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"glomers/node"
)

// The library decodes and encodes bodies with github.com/segmentio/
// encoding/json instead of encoding/json (see message.go). These tests hold
// it to encoding/json's results for the shapes node programs use.

// codecTarget makes a fresh value of one body type node programs decode.
type codecTarget struct {
	name string
	make func() any
}

type codecEcho struct {
	node.MessageBody
	Echo json.RawMessage `json:"echo"`
}

type codecSend struct {
	Key   string           `json:"key"`
	Msg   int64            `json:"msg"`
	Offs  map[string]int64 `json:"offsets"`
	Keys  []string         `json:"keys,omitempty"`
	Delta *int             `json:"delta"`
	Ratio float64          `json:"ratio"`
	Ok    bool             `json:"ok"`
	Pairs [][2]any         `json:"pairs"`
}

var codecTargets = []codecTarget{
	{"echo", func() any { return new(codecEcho) }},
	{"send", func() any { return new(codecSend) }},
	{"init", func() any { return new(node.InitMessageBody) }},
	{"any", func() any { return new(any) }},
	{"map", func() any { return new(map[string]json.RawMessage) }},
}

var codecSeeds = []string{
	`{"type":"echo","msg_id":2,"echo":"Please echo 42"}`,
	`{"TYPE":"echo","Msg_Id":2,"echo":{"a":[1,2.5,null,true,"x"]}}`,
	`{"key":"k1","msg":123,"offsets":{"k1":1,"k2":-7},"keys":["a","b"],"delta":null,"ratio":1e3,"ok":true,"pairs":[[1,2],[3,"x"]]}`,
	`{"key":"k1","msg":1.5}`,
	`{"key":"k1","msg":"12"}`,
	`{"key":"k1","msg":99999999999999999999999}`,
	`{"key":7}`,
	`{"offsets":{"k":1e2}}`,
	`{"type":"init","node_id":"n1","node_ids":["n1","n2"],"msg_id":1}`,
	`{"node_ids":"n1"}`,
	`{"echo":"\ud83d\ude00 \u00e9 <&>"}`,
	"{\"echo\":\"\xff\xfe\"}",
	`{"a":1,"a":2}`,
	`{"a":1} x`,
	`{"a":1`,
	` {"echo" : [ 1 , 2 ] } `,
	`[]`,
	`null`,
	``,
	`{"pairs":[[1,2,3]]}`,
}

// FuzzDecodeBodyMatchesStdlib: DecodeBody fails exactly when
// encoding/json.Unmarshal fails, and otherwise yields the same value.
//
//	go test ./node -run '^$' -fuzz FuzzDecodeBodyMatchesStdlib -fuzztime 60s
func FuzzDecodeBodyMatchesStdlib(f *testing.F) {
	for _, s := range codecSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, tg := range codecTargets {
			want, got := tg.make(), tg.make()
			wantErr := json.Unmarshal(body, want)
			gotErr := node.Message{Body: body}.DecodeBody(got)
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("%s: %q: encoding/json says %v, DecodeBody says %v", tg.name, body, wantErr, gotErr)
			}
			if wantErr == nil && !reflect.DeepEqual(want, got) {
				t.Fatalf("%s: %q: encoding/json gives %#v, DecodeBody %#v", tg.name, body, want, got)
			}
			if gotErr != nil {
				if code, _ := node.CodeOf(gotErr); code != node.MalformedRequest {
					t.Fatalf("%s: %q: DecodeBody error %v has code %d, want %d", tg.name, body, gotErr, code, node.MalformedRequest)
				}
			}
		}
	})
}

func TestDecodeBodyMatchesStdlibOnSeeds(t *testing.T) {
	// The seeds run as FuzzDecodeBodyMatchesStdlib's corpus under go test;
	// this names the cases that matter most.
	for _, s := range []string{`{"key":"k1","msg":1.5}`, `{"a":1} x`, `{"TYPE":"echo","Msg_Id":2}`} {
		var std, got codecSend
		stdErr := json.Unmarshal([]byte(s), &std)
		gotErr := node.Message{Body: []byte(s)}.DecodeBody(&got)
		if (stdErr == nil) != (gotErr == nil) || !reflect.DeepEqual(std, got) {
			t.Errorf("%s: encoding/json %v %+v, DecodeBody %v %+v", s, stdErr, std, gotErr, got)
		}
	}
}

// indented is a Marshaler whose output has newlines, which must not split
// the output line.
type indented struct{}

func (indented) MarshalJSON() ([]byte, error) { return []byte("{\n  \"a\": [1,\n 2]\n}"), nil }

// TestSendBodyMatchesStdlib: the body a node writes is encoding/json's
// encoding of the caller's value (same escaping, key order, numbers),
// compacted onto one line.
func TestSendBodyMatchesStdlib(t *testing.T) {
	bodies := []any{
		map[string]any{"type": "poll_ok", "msgs": map[string][][2]any{"k2": {{1, 5}}, "k1": {{0, json.RawMessage(" 7 ")}}}},
		struct {
			Type string          `json:"type"`
			Echo json.RawMessage `json:"echo"`
			F    float64         `json:"f"`
			S    string          `json:"s"`
			N    []int           `json:"n"`
			M    indented        `json:"m"`
		}{"echo_ok", json.RawMessage("{ \"x\" :\n [1, 2] }"), 1e21, "<a&b> \u2028 \xff \"q\"", nil, indented{}},
		node.MessageBody{Type: "error", Code: 12, Text: "bad\ninput"},
	}
	for _, body := range bodies {
		var out bytes.Buffer
		n := node.NewNodeIO(strings.NewReader(""), &out)
		n.Init("n1", []string{"n1", "n2"})
		if err := n.Send("n2", body); err != nil {
			t.Fatal(err)
		}
		if err := n.Run(); err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		var line struct {
			Body json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal(out.Bytes(), &line); err != nil {
			t.Fatalf("%q: %v", out.String(), err)
		}
		if !bytes.Equal(line.Body, want) {
			t.Errorf("body\n got %s\nwant %s", line.Body, want)
		}
		if strings.Count(out.String(), "\n") != 1 {
			t.Errorf("output is not one line: %q", out.String())
		}
	}
}

// TestSendRawBody: a raw body is checked and, when it holds a newline,
// compacted onto one line; a valid object without one is written as it is;
// anything else is refused.
func TestSendRawBody(t *testing.T) {
	for _, c := range []struct {
		raw, want string
		ok        bool
	}{
		{`{"type":"x","v":[1, 2]}`, `{"type":"x","v":[1, 2]}`, true},
		{"{\"type\":\"x\",\n \"v\": [1,\n2]}", `{"type":"x","v":[1,2]}`, true},
		{` {"type":"x"}`, `{"type":"x"}`, true},
		{`{"type":"x"`, ``, false},
		{`{"type":"x"}{}`, ``, false},
		{`["type"]`, ``, false},
	} {
		var out bytes.Buffer
		n := node.NewNodeIO(strings.NewReader(""), &out)
		n.Init("n1", []string{"n1", "n2"})
		err := n.Send("n2", json.RawMessage(c.raw))
		if !c.ok {
			if err == nil {
				t.Errorf("%q: sent, want refused", c.raw)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.raw, err)
		}
		if err := n.Run(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"body":`+c.want) || strings.Count(out.String(), "\n") != 1 {
			t.Errorf("%q: wrote %q, want body %s on one line", c.raw, out.String(), c.want)
		}
	}
}
