package service

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/netsim"
)

// With one client, seq-kv always serves that client's latest state, and
// lww-kv with one replica is a plain map, so all three stores answer the
// key-value schema alike (lww-kv's cas aside, see TestLWWKVIgnoresCreate).
func TestKVSchemas(t *testing.T) {
	for _, svc := range []string{LinKV, SeqKV, LWWKV} {
		t.Run(svc, func(t *testing.T) {
			net := startServices(t, Options{Seed: 7, LWWReplicas: 1})
			c := newClient(t, net, "c1")

			r := c.read(svc, "x")
			requireError(t, 20, r)
			assert.Equal(t, "key does not exist", r["text"])

			requireType(t, "write_ok", c.write(svc, "x", 1))
			r = c.read(svc, "x")
			requireType(t, "read_ok", r)
			assert.Equal(t, json.Number("1"), r["value"])

			r = c.cas(svc, "x", 5, 6, false)
			requireError(t, 22, r)
			assert.Contains(t, r["text"], "current value 1 is not 5")

			requireType(t, "cas_ok", c.cas(svc, "x", 1, 2, false))
			assert.Equal(t, int64(2), c.readInt(svc, "x"))

			requireError(t, 20, c.cas(svc, "y", 1, 2, false))

			// Keys are told apart by their JSON form: "1", 1 and 1.0 are
			// three keys, and a key may be any JSON value.
			for i, k := range []any{"1", 1, 1.5, []any{1, "a"}, map[string]any{"a": 1}} {
				requireType(t, "write_ok", c.write(svc, k, i+10))
			}
			for i, k := range []any{"1", 1, 1.5, []any{1, "a"}, map[string]any{"a": 1}} {
				assert.Equal(t, int64(i+10), c.readInt(svc, k), "key %v", k)
			}
			r = c.sendRaw(svc, `{"type":"read","key":1.0,"msg_id":99}`, 5*time.Second)
			requireError(t, 20, r) // 1.0 is not the key 1

			// Values compare by decoded JSON: object key order and number
			// spelling do not matter, integer versus float does.
			requireType(t, "write_ok", c.write(svc, "m", map[string]any{"a": 1, "b": []any{true, nil}}))
			r = c.sendRaw(svc, `{"type":"cas","key":"m","from":{"b":[true,null],"a":1},"to":2.50,"msg_id":100}`, 5*time.Second)
			requireType(t, "cas_ok", r)
			r = c.sendRaw(svc, `{"type":"cas","key":"m","from":2.5e0,"to":3,"msg_id":101}`, 5*time.Second)
			requireType(t, "cas_ok", r)
			r = c.sendRaw(svc, `{"type":"cas","key":"m","from":3.0,"to":4,"msg_id":102}`, 5*time.Second)
			requireError(t, 22, r)
			r = c.sendRaw(svc, `{"type":"cas","key":"m","from":3,"to":123456789012345678901234567890,"msg_id":103}`, 5*time.Second)
			requireType(t, "cas_ok", r)
			r = c.sendRaw(svc, `{"type":"read","key":"m","msg_id":104}`, 5*time.Second)
			assert.Equal(t, json.Number("123456789012345678901234567890"), r["value"])

			// null is a value like any other, and is sent back.
			requireType(t, "write_ok", c.write(svc, "n", nil))
			r = c.read(svc, "n")
			requireType(t, "read_ok", r)
			v, present := r["value"]
			assert.True(t, present)
			assert.Nil(t, v)
		})
	}
}

func TestCreateIfNotExists(t *testing.T) {
	for _, svc := range []string{LinKV, SeqKV} {
		t.Run(svc, func(t *testing.T) {
			net := startServices(t, Options{Seed: 7})
			c := newClient(t, net, "c1")
			requireType(t, "cas_ok", c.cas(svc, "x", 0, 5, true))
			assert.Equal(t, int64(5), c.readInt(svc, "x"))
			// The flag only matters when the key is missing.
			requireError(t, 22, c.cas(svc, "x", 0, 6, true))
			// Truthiness as Clojure reads it: false and null are off,
			// anything else (0, "") is on.
			for i, flag := range []string{"false", "null"} {
				r := c.sendRaw(svc, fmt.Sprintf(`{"type":"cas","key":"k%d","from":1,"to":2,"create_if_not_exists":%s}`, i, flag), 5*time.Second)
				requireError(t, 20, r)
			}
			r := c.sendRaw(svc, `{ "type" : "cas", "key" : "sp", "from" : 1, "to" : 2, "create_if_not_exists" : false , "in_reply_to" : null }`, 5*time.Second)
			requireError(t, 20, r)
			for i, flag := range []string{"0", `""`, "true"} {
				r := c.sendRaw(svc, fmt.Sprintf(`{"type":"cas","key":"t%d","from":1,"to":2,"create_if_not_exists":%s}`, i, flag), 5*time.Second)
				requireType(t, "cas_ok", r)
			}
		})
	}
}

// service.clj's LWWKV has no create_if_not_exists, and prints `from`
// with str.
func TestLWWKVIgnoresCreate(t *testing.T) {
	net := startServices(t, Options{Seed: 7, LWWReplicas: 1})
	c := newClient(t, net, "c1")
	requireError(t, 20, c.cas(LWWKV, "x", 0, 5, true))
	requireType(t, "write_ok", c.write(LWWKV, "x", "a"))
	r := c.cas(LWWKV, "x", "b", "c", false)
	requireError(t, 22, r)
	assert.Equal(t, `current value "a" is not b`, r["text"])
}

func TestLinTSO(t *testing.T) {
	net := startServices(t, Options{Seed: 7})
	c := newClient(t, net, "c1")
	for i := range 5 {
		r := c.rpc(LinTSO, map[string]any{"type": "ts"})
		requireType(t, "ts_ok", r)
		assert.Equal(t, json.Number(jsonInt(int64(i))), r["ts"])
	}
	requireError(t, 10, c.read(LinTSO, "x"))

	// Concurrent clients: every timestamp is new, and each client's are
	// strictly increasing.
	const clients, each = 4, 200
	seen := make(chan int64, clients*each)
	done := make(chan error, clients)
	for i := range clients {
		cl := newClient(t, net, fmt.Sprintf("c%d", 10+i))
		go func() {
			last := int64(-1)
			for range each {
				r := cl.rpc(LinTSO, map[string]any{"type": "ts"})
				ts, err := r["ts"].(json.Number).Int64()
				if err != nil || ts <= last {
					done <- fmt.Errorf("ts %v after %d", r["ts"], last)
					return
				}
				last = ts
				seen <- ts
			}
			done <- nil
		}()
	}
	for range clients {
		require.NoError(t, <-done)
	}
	close(seen)
	unique := map[int64]bool{}
	for ts := range seen {
		require.False(t, unique[ts], "duplicate ts %d", ts)
		unique[ts] = true
	}
	// 5 earlier ones, then a dense range.
	assert.Len(t, unique, clients*each)
	for ts := range unique {
		assert.True(t, ts >= 5 && ts < 5+clients*each, "ts %d", ts)
	}
}

func TestErrors(t *testing.T) {
	net := startServices(t, Options{Seed: 7})
	c := newClient(t, net, "c1")
	wait := 5 * time.Second
	for _, svc := range IDs() {
		t.Run(svc, func(t *testing.T) {
			requireError(t, 10, c.rpc(svc, map[string]any{"type": "frobnicate"}))
			for _, body := range []string{
				`[1,2]`, `"read"`, `null`, `{`, `{}`, `{"type":7,"msg_id":1}`,
				`{"type":null}`, `{"msg_id":3}`,
			} {
				r := c.sendRaw(svc, body, wait)
				require.NotNil(t, r, "no reply to %s", body)
				requireError(t, 12, r)
			}
			// No msg_id: in_reply_to is null, as service-thread sends it.
			r := c.sendRaw(svc, `{"type":"nope"}`, wait)
			requireError(t, 10, r)
			v, ok := r["in_reply_to"]
			assert.True(t, ok)
			assert.Nil(t, v)
			// Replies are not answered.
			assert.Nil(t, c.sendRaw(svc, `{"type":"read_ok","in_reply_to":3,"value":1}`, 50*time.Millisecond))
			assert.Nil(t, c.sendRaw(svc, `{"type":"error","code":13,"msg_id":4}`, 50*time.Millisecond))
		})
	}
	for _, svc := range []string{LinKV, SeqKV, LWWKV} {
		t.Run(svc+"/fields", func(t *testing.T) {
			for _, body := range []string{
				`{"type":"read","msg_id":5}`,
				`{"type":"write","key":"x","msg_id":5}`,
				`{"type":"write","value":1,"msg_id":5}`,
				`{"type":"cas","key":"x","from":1,"msg_id":5}`,
				`{"type":"cas","key":"x","to":1,"msg_id":5}`,
			} {
				r := c.sendRaw(svc, body, wait)
				require.NotNil(t, r, "no reply to %s", body)
				requireError(t, 12, r)
				assert.Equal(t, json.Number("5"), r["in_reply_to"])
			}
		})
	}
}

func TestCloseUnregisters(t *testing.T) {
	net := newNet(t)
	s := Start(net, 1)
	c := newClient(t, net, "c1")
	requireType(t, "write_ok", c.write(LinKV, "x", 1))
	s.Close()
	s.Close()
	for _, id := range IDs() {
		assert.False(t, net.Send("c1", id, json.RawMessage(`{"type":"read","key":"x"}`)))
	}
}

// Whatever bytes arrive, a service answers (or ignores a reply) and keeps
// serving.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		`{"type":"read","key":"x","msg_id":1}`,
		`{"type":"write","key":{"a":[1,{"b":null}]},"value":1e999,"msg_id":1}`,
		`{"type":"cas","key":-0.0,"from":-0,"to":[],"create_if_not_exists":{},"msg_id":"m"}`,
		`{"type":"ts","msg_id":1.5}`,
		`{"type":"cas","key":1,"from":1,"to":1}`,
		`{"type":"read","key":"x","in_reply_to":null}`,
		`not json`, `[]`, `{"type":{}}`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		handlers := []handler{newLinKV(), newSeqKV(4, newRand(1)), newLWWKV(3, false, newRand(2)), &tso{}}
		for _, h := range handlers {
			for _, src := range []string{"c1", "c2"} {
				out, ok := answer(h, src, json.RawMessage(body))
				if !ok {
					continue
				}
				var rep map[string]any
				require.NoError(t, json.Unmarshal(out, &rep), "%s", out)
				require.NotContains(t, string(out), "\n")
				require.Contains(t, rep, "type")
				require.Contains(t, rep, "in_reply_to")
			}
		}
	})
}

func TestValueEquality(t *testing.T) {
	same := [][2]string{
		{`1`, `1`},
		{`-0`, `0`},
		{`1.0`, `1.00`},
		{`1.0`, `1e0`},
		{`-0.0`, `0.0`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
		{`{"a":1,"b":2}`, `{ "b" : 2, "a" : 1 }`},
		{`"\u0041"`, `"A"`},
		{`[1, [2, null]]`, `[1,[2,null]]`},
	}
	differ := [][2]string{
		{`1`, `1.0`},
		{`1`, `"1"`},
		{`null`, `false`},
		{`[1,2]`, `[2,1]`},
		{`{"a":1}`, `{"a":1,"b":null}`},
		{`"a,b"`, `["a","b"]`},
	}
	for _, p := range same {
		a, err := newValue(json.RawMessage(p[0]))
		require.NoError(t, err)
		b, err := newValue(json.RawMessage(p[1]))
		require.NoError(t, err)
		assert.Equal(t, a.canon, b.canon, "%s vs %s", p[0], p[1])
	}
	for _, p := range differ {
		a, _ := newValue(json.RawMessage(p[0]))
		b, _ := newValue(json.RawMessage(p[1]))
		assert.NotEqual(t, a.canon, b.canon, "%s vs %s", p[0], p[1])
	}
	// Stored values are compacted, so a reply embedding one is one line.
	v, err := newValue(json.RawMessage("{\n  \"a\": [1,\n 2]\n}"))
	require.NoError(t, err)
	assert.Equal(t, `{"a":[1,2]}`, string(v.raw))
}

var _ netsim.Receiver = (*netsim.Mailbox)(nil)

// The fast path for short integers and plain strings gives the same
// canonical text as the decoder.
func FuzzSimpleValue(f *testing.F) {
	for _, s := range []string{`0`, `-0`, `12`, `-123456789012345678`, `"abc"`, `"a b~"`, `""`, `01`, `"\u00e9"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := simpleValue(json.RawMessage(s))
		if !ok {
			return
		}
		require.True(t, json.Valid([]byte(s)), "%q", s)
		var sb strings.Builder
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var x any
		require.NoError(t, dec.Decode(&x))
		writeCanon(&sb, x)
		require.Equal(t, sb.String(), v.canon, "%q", s)
	})
}
