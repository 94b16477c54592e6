package service

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// For many keys, one client writes 1 and then 2, both acknowledged; then
// another client reads a while. lww-kv (2 replicas, Maelstrom's default)
// serves stale reads and misses, loses the later write on some keys (the
// earlier write wins a timestamp tie on merge), and every key converges:
// the last reads of a key all agree.
func TestLWWKVLosesWritesAndConverges(t *testing.T) {
	net := startServices(t, Options{Seed: 13})
	w, r := newClient(t, net, "c1"), newClient(t, net, "c2")
	const keys, readsPerKey, settled = 100, 60, 20
	lost, stale := 0, 0
	for k := range keys {
		key := fmt.Sprintf("k%d", k)
		requireType(t, "write_ok", w.write(LWWKV, key, 1))
		requireType(t, "write_ok", w.write(LWWKV, key, 2))
		var got []int64 // 0: key missing
		for range readsPerKey {
			got = append(got, r.readInt(LWWKV, key))
		}
		for _, v := range got[:readsPerKey-settled] {
			if v != 2 {
				stale++
				break
			}
		}
		final := got[readsPerKey-1]
		for _, v := range got[readsPerKey-settled:] {
			require.Equal(t, final, v, "key %s has not converged: %v", key, got)
		}
		require.Contains(t, []int64{1, 2}, final)
		if final == 1 {
			lost++
		}
	}
	t.Logf("%d of %d keys lost the later write; %d had stale reads", lost, keys, stale)
	assert.Positive(t, lost, "lww-kv should lose some acknowledged writes")
	assert.Less(t, lost, keys)
	assert.Positive(t, stale)
}

// A read-then-cas counter on lww-kv loses increments: two replicas accept
// conflicting cas operations and the merge keeps only one.
func TestLWWKVCasCounterLosesIncrements(t *testing.T) {
	net := startServices(t, Options{Seed: 17})
	cs := []*testClient{newClient(t, net, "c1"), newClient(t, net, "c2")}
	rng := newRand(4)
	successes := int64(0)
	requireType(t, "write_ok", cs[0].write(LWWKV, "n", 0))
	for range 400 {
		c := cs[rng.IntN(2)]
		v := c.readInt(LWWKV, "n")
		if c.cas(LWWKV, "n", v, v+1, false)["type"] == "cas_ok" {
			successes++
		}
	}
	// Let the replicas converge.
	var final int64
	for range 100 {
		final = cs[0].readInt(LWWKV, "n")
	}
	t.Logf("%d successful increments, final value %d", successes, final)
	assert.Less(t, final, successes)
}

// With LWWDiscardMerges the replicas never merge, as in service.clj: a key
// written on one replica only is missing from the other forever.
func TestLWWKVDiscardMergesNeverConverges(t *testing.T) {
	for _, discard := range []bool{true, false} {
		t.Run(fmt.Sprint("discard=", discard), func(t *testing.T) {
			net := startServices(t, Options{Seed: 13, LWWDiscardMerges: discard})
			w, r := newClient(t, net, "c1"), newClient(t, net, "c2")
			requireType(t, "write_ok", w.write(LWWKV, "x", 7))
			misses := 0
			for i := range 200 {
				if v := r.readInt(LWWKV, "x"); v == 0 && i >= 100 {
					misses++
				}
			}
			if discard {
				assert.Positive(t, misses)
			} else {
				assert.Zero(t, misses)
			}
		})
	}
}

// More replicas: still one store per request, still converging.
func TestLWWKVReplicas(t *testing.T) {
	net := startServices(t, Options{Seed: 2, LWWReplicas: 5})
	c := newClient(t, net, "c1")
	requireType(t, "write_ok", c.write(LWWKV, "x", 3))
	var got []int64
	for range 300 {
		got = append(got, c.readInt(LWWKV, "x"))
	}
	assert.Contains(t, got[:20], int64(0), "reads right after the write miss it on other replicas")
	for _, v := range got[250:] {
		assert.Equal(t, int64(3), v)
	}
}

// The merge keeps the higher timestamp, the source's on a tie, and the
// larger clock.
func TestMergeInto(t *testing.T) {
	val := func(s string) value { v, err := newValue([]byte(s)); require.NoError(t, err); return v }
	a := &lwwReplica{clock: 5, m: map[string]lwwEntry{
		"x": {ts: 4, val: val("1")}, "y": {ts: 2, val: val("2")}, "z": {ts: 1, val: val("3")},
	}}
	b := &lwwReplica{clock: 3, m: map[string]lwwEntry{
		"x": {ts: 2, val: val("10")}, "y": {ts: 2, val: val("20")}, "w": {ts: 0, val: val("40")},
	}}
	mergeInto(b, a)
	assert.Equal(t, int64(5), b.clock)
	assert.Equal(t, "1", b.m["x"].val.canon)  // higher ts
	assert.Equal(t, "2", b.m["y"].val.canon)  // tie: source wins
	assert.Equal(t, "3", b.m["z"].val.canon)  // only in source
	assert.Equal(t, "40", b.m["w"].val.canon) // only in destination
	assert.Len(t, a.m, 3, "the source is unchanged")
}
