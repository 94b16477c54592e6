// Command strict-init is an echo node that behaves as a node built on
// Maelstrom's own Go library does when a message reaches it before init:
// it has no id to answer from and no handler to run, so it exits. Once
// initialised it sends a gossip message to every peer each millisecond,
// so a peer restarted by the kill nemesis is sent messages all the time.
// The harness must let only init reach a restarted node before init_ok.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

type message struct {
	Src  string         `json:"src"`
	Dest string         `json:"dest"`
	Body map[string]any `json:"body"`
}

func main() {
	var (
		mu    sync.Mutex
		enc   = json.NewEncoder(os.Stdout)
		id    string
		peers []string
	)
	send := func(m message) {
		mu.Lock()
		defer mu.Unlock()
		enc.Encode(m)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var m message
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintln(os.Stderr, "bad line:", err)
			os.Exit(1)
		}
		typ, _ := m.Body["type"].(string)
		reply := func(body map[string]any) {
			body["in_reply_to"] = m.Body["msg_id"]
			send(message{Src: id, Dest: m.Src, Body: body})
		}
		switch {
		case typ == "init":
			id, _ = m.Body["node_id"].(string)
			for _, p := range m.Body["node_ids"].([]any) {
				if p != id {
					peers = append(peers, p.(string))
				}
			}
			reply(map[string]any{"type": "init_ok"})
			go func() {
				for range time.Tick(time.Millisecond) {
					for _, p := range peers {
						send(message{Src: id, Dest: p, Body: map[string]any{"type": "gossip"}})
					}
				}
			}()
		case id == "":
			fmt.Fprintf(os.Stderr, "No handler for %s before init\n", in.Bytes())
			os.Exit(1)
		case typ == "echo":
			reply(map[string]any{"type": "echo_ok", "echo": m.Body["echo"]})
		}
	}
}
