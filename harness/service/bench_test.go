package service

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkRoundTrip measures one request and its reply through the
// network (no latency), one client at a time.
func BenchmarkRoundTrip(b *testing.B) {
	for _, svc := range []string{LinKV, SeqKV, LWWKV} {
		b.Run(svc, func(b *testing.B) {
			net := startServices(b, Options{Seed: 1})
			c := newClient(b, net, "c1")
			for i := 0; b.Loop(); i++ {
				c.write(svc, fmt.Sprintf("k%d", i%64), i)
			}
		})
	}
}

// BenchmarkHandle measures a service's own work per request: parse,
// apply, encode, without the network.
func BenchmarkHandle(b *testing.B) {
	for _, svc := range []string{LinKV, SeqKV, LWWKV} {
		b.Run(svc, func(b *testing.B) {
			h := map[string]handler{
				LinKV: newLinKV(), SeqKV: newSeqKV(32, newRand(1)), LWWKV: newLWWKV(2, false, newRand(2)),
			}[svc]
			var bodies []json.RawMessage
			for i := range 256 {
				bodies = append(bodies,
					json.RawMessage(fmt.Sprintf(`{"type":"write","key":"k%d","value":%d,"msg_id":%d}`, i%64, i, i)),
					json.RawMessage(fmt.Sprintf(`{"type":"read","key":"k%d","msg_id":%d}`, (i+7)%64, i)))
			}
			for i := 0; b.Loop(); i++ {
				src := "n0"
				if i%2 == 1 {
					src = "n1"
				}
				if _, ok := answer(h, src, bodies[i%len(bodies)]); !ok {
					b.Fatal("no answer")
				}
			}
		})
	}
}
