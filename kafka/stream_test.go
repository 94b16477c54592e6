package main

// The replication stream driven step by step, as etcd's raft interaction
// tests are: testdata/stream is a script of records added, ticks at a
// fake clock, and acknowledgements, with the pushes each tick returns.
// `go test ./kafka -run TestStream -rewrite` rewrites the expectations.

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
		var s *stream
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "peers": // peers n1 n2 retry=250 max=2
				var ids []string
				retry, max := 250, 100
				for _, a := range d.CmdArgs {
					switch a.Key {
					case "retry":
						d.ScanArgs(t, "retry", &retry)
					case "max":
						d.ScanArgs(t, "max", &max)
					default:
						ids = append(ids, a.Key)
					}
				}
				s = newStream(ids, time.Duration(retry)*time.Millisecond, max)
				return ""
			case "add": // add k:0 k:1 commit:k:0 (one record per word)
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
				var at int
				d.ScanArgs(t, "at", &at)
				pushes := s.tick(start.Add(time.Duration(at) * time.Millisecond))
				var lines []string
				for peer, p := range pushes {
					var rs []string
					for _, r := range p.Records {
						if r.Commit {
							rs = append(rs, fmt.Sprintf("commit:%s:%d", r.Key, r.Offset))
						} else {
							rs = append(rs, fmt.Sprintf("%s:%d", r.Key, r.Offset))
						}
					}
					lines = append(lines, fmt.Sprintf("%s <- upto=%d %s", peer, p.Upto, strings.Join(rs, " ")))
				}
				sort.Strings(lines)
				if len(lines) == 0 {
					return "nothing due\n"
				}
				return strings.Join(lines, "\n") + "\n"
			case "ack": // ack n1 upto=2
				var upto int
				d.ScanArgs(t, "upto", &upto)
				s.acked(d.CmdArgs[0].Key, upto)
				return ""
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}
