package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// message is one Maelstrom message, with the body fields these modes use.
type message struct {
	Src  string `json:"src"`
	Dest string `json:"dest"`
	Body struct {
		Type  string          `json:"type"`
		MsgID int             `json:"msg_id"`
		Echo  json.RawMessage `json:"echo"`
	} `json:"body"`
}

// node reads messages and writes lines; writes are safe from any
// goroutine.
type node struct {
	in *bufio.Reader
	mu sync.Mutex
	w  *bufio.Writer
	id string
}

func newNode(r io.Reader, w io.Writer) *node {
	return &node{in: bufio.NewReaderSize(r, 1<<16), w: bufio.NewWriterSize(w, 1<<16)}
}

// next reads the next message; ok is false at the end of input.
func (n *node) next() (m message, raw string, ok bool) {
	for {
		line, err := n.in.ReadString('\n')
		if strings.TrimSpace(line) != "" && json.Unmarshal([]byte(line), &m) == nil {
			return m, line, true
		}
		if err != nil {
			return m, "", false
		}
	}
}

// line writes one raw line; flush says whether to flush now.
func (n *node) line(s string, flush bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.w.WriteString(s)
	n.w.WriteByte('\n')
	if flush {
		n.w.Flush()
	}
}

func (n *node) send(dest string, body any) {
	b, _ := json.Marshal(map[string]any{"src": n.id, "dest": dest, "body": body})
	n.line(string(b), true)
}

func (n *node) reply(to message, body map[string]any) {
	body["in_reply_to"] = to.Body.MsgID
	n.send(to.Src, body)
}

// init waits for init and answers it.
func (n *node) init() bool {
	for {
		m, _, ok := n.next()
		if !ok {
			return false
		}
		if m.Body.Type == "init" {
			n.id = m.Dest
			n.reply(m, map[string]any{"type": "init_ok"})
			return true
		}
	}
}

// serve answers echo requests until the input ends; reply, if set,
// answers instead of the ordinary echo_ok.
func (n *node) serve(reply func(m message)) {
	for {
		m, _, ok := n.next()
		if !ok {
			return
		}
		if m.Body.Type != "echo" {
			continue
		}
		if reply != nil {
			reply(m)
			continue
		}
		n.reply(m, map[string]any{"type": "echo_ok", "echo": m.Body.Echo})
	}
}

// floodedMark is how many bytes a flood has written when it leaves the
// file "flooded" in HOSTILE_PID_DIR: three times the harness's 16 MB input
// bound, so a receiver that stopped reading has had messages dropped (its
// pipe, the batch being written and the queue hold at most about twice
// the bound).
const floodedMark = 48 << 20

// flood sends count messages of size bytes of padding to dest.
func (n *node) flood(dest string, count, size int) {
	pad := strings.Repeat("x", size)
	written := 0
	for i := range count {
		b, _ := json.Marshal(map[string]any{"src": n.id, "dest": dest, "body": map[string]any{"type": "flood", "seq": i, "pad": pad}})
		n.line(string(b), i%64 == 63 || i == count-1)
		if written < floodedMark && written+len(b)+1 >= floodedMark {
			if dir := os.Getenv("HOSTILE_PID_DIR"); dir != "" {
				os.WriteFile(filepath.Join(dir, "flooded"), nil, 0o644)
			}
		}
		written += len(b) + 1
	}
}
