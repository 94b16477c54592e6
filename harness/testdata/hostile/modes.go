package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// modes are the misbehaviours, by -mode name.
var modes = map[string]func(n *node, s settings){
	// echo is a correct echo node, for comparison.
	"echo": func(n *node, s settings) {
		if n.init() {
			n.serve(nil)
		}
	},
	// stall answers init and then never reads its input again.
	"stall": func(n *node, s settings) {
		n.init()
		forever()
	},
	// flood: n0 answers init and stops reading; every other node floods
	// it with -count messages of -bytes bytes while serving echo.
	"flood": func(n *node, s settings) {
		if !n.init() {
			return
		}
		if n.id == "n0" {
			forever()
		}
		go n.flood("n0", s.count, s.size)
		n.serve(nil)
	},
	// storm answers every echo -count times.
	"storm": func(n *node, s settings) {
		if !n.init() {
			return
		}
		n.serve(func(m message) {
			for range s.count {
				n.reply(m, map[string]any{"type": "echo_ok", "echo": m.Body.Echo})
			}
		})
	},
	// self-flood sends itself -count messages of -bytes bytes while
	// serving echo (it reads, and ignores, its own messages).
	"self-flood": func(n *node, s settings) {
		if !n.init() {
			return
		}
		go n.flood(n.id, s.count, s.size)
		n.serve(nil)
	},
	// unknown-dest sends -count messages to n99, which does not exist,
	// while serving echo.
	"unknown-dest": func(n *node, s settings) {
		if !n.init() {
			return
		}
		go n.flood("n99", s.count, s.size)
		n.serve(nil)
	},
	// huge-line writes one line of -bytes bytes that is not a message,
	// then serves echo.
	"huge-line": func(n *node, s settings) {
		if !n.init() {
			return
		}
		chunk := strings.Repeat("x", 1<<20)
		n.mu.Lock()
		for left := s.size; left > 0; left -= len(chunk) {
			n.w.WriteString(chunk[:min(left, len(chunk))])
		}
		n.mu.Unlock()
		n.line("", true)
		n.serve(nil)
	},
	// invalid-utf8 answers echo with bytes that are not UTF-8 inside the
	// echoed string.
	"invalid-utf8": func(n *node, s settings) {
		if !n.init() {
			return
		}
		n.serve(func(m message) {
			n.line(fmt.Sprintf(`{"src":%q,"dest":%q,"body":{"type":"echo_ok","in_reply_to":%d,"echo":"bad \xff\xfe bytes"}}`, n.id, m.Src, m.Body.MsgID), true)
		})
	},
	// exit-mid-run serves echo for -after, then exits with status 3.
	"exit-mid-run": func(n *node, s settings) {
		if !n.init() {
			return
		}
		go n.serve(nil)
		time.Sleep(s.after)
		fmt.Fprintln(os.Stderr, "hostile: giving up mid-run")
		os.Exit(3)
	},
	// never-init reads its input and never answers anything.
	"never-init": func(n *node, s settings) {
		io.Copy(io.Discard, os.Stdin)
		forever()
	},
	// exit-before-init dies at once, with a word on stderr.
	"exit-before-init": func(n *node, s settings) {
		fmt.Fprintln(os.Stderr, "hostile: cannot start: no configuration")
		os.Exit(5)
	},
	// cat writes back every line it reads.
	"cat": func(n *node, s settings) {
		io.Copy(os.Stdout, os.Stdin)
	},
	// wrong-src answers init as n9.
	"wrong-src": func(n *node, s settings) {
		m, _, ok := n.next()
		if !ok {
			return
		}
		n.line(fmt.Sprintf(`{"src":"n9","dest":%q,"body":{"type":"init_ok","in_reply_to":%d}}`, m.Src, m.Body.MsgID), true)
		io.Copy(io.Discard, os.Stdin)
	},
	// close-stdout answers init, closes its stdout and keeps reading.
	"close-stdout": func(n *node, s settings) {
		if !n.init() {
			return
		}
		os.Stdout.Close()
		io.Copy(io.Discard, os.Stdin)
		forever()
	},
}

// forever blocks until the process is killed (a bare select{} would be
// reported as a deadlock once no other goroutine runs).
func forever() {
	for {
		time.Sleep(time.Hour)
	}
}
