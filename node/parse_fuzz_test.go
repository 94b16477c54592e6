package node

import (
	"encoding/json"
	"testing"
)

// FuzzParseLine checks the hand-written envelope scanner against
// encoding/json (with exact-key maps): whatever parseLine accepts,
// encoding/json reads the same src, dest, body and reserved fields.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2,"echo":"hi"}}`,
		`{"src":"c\"1","dest":"n\\1","body":{"type":"a\u0062","msg_id":0,"in_reply_to":3}}`,
		`{"body":{"type":"x","type":"y","msg_id":1,"msg_id":2},"src":"a","src":"b","dest":"d"}`,
		` { "src" : "c1" , "dest" : "n1" , "body" : { "Type" : "x" , "type" : "y" } } `,
		`{"src":"c1","dest":"n1","body":{"type":"x","msg_id":1.0}}`,
		`{"src":"c1","dest":"n1","body":{"type":"x","nested":{"type":"no","msg_id":"s"},"list":[{"in_reply_to":1}]}}`,
		`{"src":null,"dest":"n1","body":{"type":"x"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		m, err := parseLine(line, newInterner())
		if err != nil {
			return
		}
		var env map[string]json.RawMessage
		if err := json.Unmarshal(line, &env); err != nil {
			t.Fatalf("parseLine accepted what encoding/json rejects: %v", err)
		}
		var src, dest string
		if raw, ok := env["src"]; ok {
			if err := json.Unmarshal(raw, &src); err != nil {
				t.Fatalf("src: %v", err)
			}
		}
		if raw, ok := env["dest"]; ok {
			if err := json.Unmarshal(raw, &dest); err != nil {
				t.Fatalf("dest: %v", err)
			}
		}
		if src != m.Src || dest != m.Dest {
			t.Fatalf("src/dest %q/%q, encoding/json %q/%q", m.Src, m.Dest, src, dest)
		}
		var body map[string]json.RawMessage
		if err := json.Unmarshal(env["body"], &body); err != nil {
			t.Fatalf("body: %v", err)
		}
		var typ string
		if err := json.Unmarshal(body["type"], &typ); err != nil || typ != m.Type() {
			t.Fatalf("type %q, encoding/json %q (%v)", m.Type(), typ, err)
		}
		if raw, ok := body["msg_id"]; ok && string(raw) != "null" {
			var id int
			if err := json.Unmarshal(raw, &id); err != nil || id != m.MsgID() || !m.HasMsgID() {
				t.Fatalf("msg_id %d, encoding/json %s", m.MsgID(), raw)
			}
		} else if m.HasMsgID() {
			t.Fatalf("msg_id %d found where encoding/json finds none", m.MsgID())
		}
		if raw, ok := body["in_reply_to"]; ok && string(raw) != "null" {
			var id int
			if err := json.Unmarshal(raw, &id); err != nil || id != m.InReplyTo() || !m.IsReply() {
				t.Fatalf("in_reply_to %d, encoding/json %s", m.InReplyTo(), raw)
			}
		} else if m.IsReply() {
			t.Fatalf("in_reply_to found where encoding/json finds none")
		}
	})
}
