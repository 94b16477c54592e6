package main

// The replication stream driven step by step, as etcd's raft interaction
// tests are: each file under testdata/stream is a script of records added,
// ticks at a fake clock, and pushes received from peers, with the pushes
// each tick returns. `go test ./kafka -run TestStream -rewrite` rewrites
// the expectations.

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

func TestStream(t *testing.T) {
	datadriven.Walk(t, "testdata/stream", func(t *testing.T, path string) {
		s := newStream(250*time.Millisecond, 100)
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		at := func(d *datadriven.TestData) time.Time {
			var ms int
			d.ScanArgs(t, "at", &ms)
			return start.Add(time.Duration(ms) * time.Millisecond)
		}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "peers": // peers n1 n2 [max=N]
				var ids []string
				for _, a := range d.CmdArgs {
					if a.Key == "max" {
						d.ScanArgs(t, "max", &s.maxPerPush)
					} else {
						ids = append(ids, a.Key)
					}
				}
				s.setPeers(ids)
				return ""
			case "add": // one record per word: key:offset, or commit:key:offset
				for _, w := range strings.Fields(d.Input) {
					r := record{Msg: []byte("1")}
					if c, ok := strings.CutPrefix(w, "commit:"); ok {
						w, r = c, record{Commit: true}
					}
					key, off, _ := strings.Cut(w, ":")
					r.Key = key
					fmt.Sscan(off, &r.Offset)
					s.add(r)
				}
				return ""
			case "tick": // tick at=MS
				var lines []string
				for peer, p := range s.tick(at(d)) {
					// Through the wire form, as a peer reads it.
					got, records, ok := parsePush(p.body())
					if !ok || got.From != p.From || got.Upto != p.Upto || got.Ack != p.Ack {
						t.Fatalf("push %+v reads back as %+v (ok %v)", p, got, ok)
					}
					var rs []string
					for _, r := range records {
						if r.Commit {
							rs = append(rs, fmt.Sprintf("commit:%s:%d", r.Key, r.Offset))
						} else {
							rs = append(rs, fmt.Sprintf("%s:%d", r.Key, r.Offset))
						}
					}
					lines = append(lines, fmt.Sprintf("-> %s from=%d upto=%d ack=%d %s", peer, p.From, p.Upto, p.Ack, strings.Join(rs, " ")))
				}
				sort.Strings(lines)
				if len(lines) == 0 {
					return "nothing due\n"
				}
				return strings.Join(lines, "\n") + "\n"
			case "idle": // whether the loop may sleep, and whether a wake is pending (taken)
				state := "busy"
				if s.idle() {
					state = "idle"
				}
				select {
				case <-s.wake:
					state += ", woken"
				default:
				}
				return state + "\n"
			case "receive": // receive n1 from=F upto=U ack=A at=MS: a push from peer n1
				var p push
				d.ScanArgs(t, "from", &p.From)
				d.ScanArgs(t, "upto", &p.Upto)
				d.ScanArgs(t, "ack", &p.Ack)
				s.receive(d.CmdArgs[0].Key, p, at(d))
				return ""
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}
