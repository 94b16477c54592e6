package node_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"glomers/node"
)

// fuzzSeeds are inputs of the kinds a node meets: good messages, replies,
// every reserved field in a wrong shape, broken JSON, odd whitespace.
var fuzzSeeds = []string{
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2,"echo":"hi"}}`,
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2,"echo":{"nested":[1,2,{"a":null}]}}}`,
	`{"src":"c1","dest":"n1","body":{"type":"panic","msg_id":3}}`,
	`{"src":"c1","dest":"n1","body":{"type":"fail","msg_id":4}}`,
	`{"src":"c1","dest":"n1","body":{"type":"rpc","msg_id":5}}`,
	`{"src":"n2","dest":"n1","body":{"type":"ping_ok","in_reply_to":1}}`,
	`{"src":"n2","dest":"n1","body":{"type":"error","in_reply_to":2,"code":13}}`,
	`{"src":"c1","dest":"n1","body":{"type":"nope","msg_id":6}}`,
	`{"src":"c1","dest":"n1","body":{"type":5,"msg_id":7}}`,
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":"8"}}`,
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":9e99}}`,
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":-1,"in_reply_to":null,"echo":1}}`,
	`{"src":"c1","dest":"n1","body":{"msg_id":10}}`,
	`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n9","node_ids":["n9"]}}`,
	`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":[],"node_ids":7}}`,
	`{"src":"c\u0031","dest":"n1","body":{"ty\u0070e":"echo","msg_id":11,"echo":"\ud83d\ude00"}}`,
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":12,"echo":"x","type":"panic"}}`,
	" \t{ \"src\" : \"c1\" , \"dest\":\"n1\",\"body\":{ \"type\":\"echo\" ,\"msg_id\":13,\"echo\":[ ] } }\r",
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":14,"echo":"x"}`,
	`{"src":"c1","dest":"n1","body":"x"}`,
	`[{"src":"c1"}]`,
	`not json`,
	"\x00\x01\xff",
	"{\"src\":\"c1\",\"dest\":\"n1\",\"body\":{\"type\":\"echo\",\"msg_id\":15,\"echo\":\"\xff\"}}",
	"\n\n\n",
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":99999999999999999999999}}`,
}

const sentinelID = 987654321

// FuzzNodeInput feeds arbitrary bytes to an initialized node, then one
// good request. The node must never die or hang, must write only
// well-formed lines, and must still answer the good request.
//
//	go test ./node -run '^$' -fuzz FuzzNodeInput -fuzztime 60s
func FuzzNodeInput(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Join(fuzzSeeds, "\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in bytes.Buffer
		in.WriteString(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2"]}}` + "\n")
		in.Write(data)
		in.WriteString("\n" + echoLine(sentinelID, "sentinel") + "\n")
		var out safeBuffer
		n := node.NewNodeIO(&in, &out)
		n.SetRPCTimeout(time.Millisecond)
		n.Handle("echo", echoHandler(n))
		n.Handle("panic", func(node.Message) error { panic("fuzz") })
		n.Handle("fail", func(node.Message) error { return node.NewRPCError(node.Abort, "no") })
		n.Handle("rpc", func(msg node.Message) error {
			_, err := n.SyncRPC(t.Context(), "n2", map[string]any{"type": "ping"})
			return err
		})
		done := make(chan error, 1)
		go func() { done <- n.Run() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return at EOF")
		}
		answered := false
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			var m struct {
				Src  string          `json:"src"`
				Dest string          `json:"dest"`
				Body json.RawMessage `json:"body"`
			}
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("output line is not a message: %q", line)
			}
			var b map[string]any
			if err := json.Unmarshal(m.Body, &b); err != nil || b["type"] == nil {
				t.Fatalf("output body has no type: %q", line)
			}
			if b["in_reply_to"] == float64(sentinelID) && b["echo"] == "sentinel" {
				answered = true
			}
		}
		if !answered {
			t.Fatalf("the request after the fuzz input got no answer; output:\n%s", out.String())
		}
	})
}
