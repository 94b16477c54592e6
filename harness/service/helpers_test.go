package service

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"glomers/harness/netsim"
)

// testClient is a party on the network that sends requests to services
// and collects their replies.
type testClient struct {
	t       testing.TB
	net     *netsim.Network
	id      string
	replies chan json.RawMessage
	nextID  int64
}

func newNet(t testing.TB) *netsim.Network {
	net := netsim.New(netsim.Config{Seed: 1})
	t.Cleanup(func() { _ = net.Close() })
	return net
}

// startServices starts the services on a fresh network.
func startServices(t testing.TB, opts Options) *netsim.Network {
	net := newNet(t)
	s := StartWith(net, opts)
	t.Cleanup(s.Close)
	return net
}

func newClient(t testing.TB, net *netsim.Network, id string) *testClient {
	c := &testClient{t: t, net: net, id: id, replies: make(chan json.RawMessage, 1024)}
	net.Add(id, netsim.ReceiverFunc(func(m netsim.Message) { c.replies <- m.Body }))
	return c
}

// sendRaw sends body as is and returns the reply, or nil when none comes
// within wait.
func (c *testClient) sendRaw(dest string, body string, wait time.Duration) map[string]any {
	c.t.Helper()
	require.True(c.t, c.net.Send(c.id, dest, json.RawMessage(body)))
	select {
	case r := <-c.replies:
		return decode(c.t, r)
	case <-time.After(wait):
		return nil
	}
}

// rpc sends body with a fresh msg_id and returns the reply, checking its
// in_reply_to.
func (c *testClient) rpc(dest string, body map[string]any) map[string]any {
	c.t.Helper()
	c.nextID++
	req := map[string]any{"msg_id": c.nextID}
	for k, v := range body {
		req[k] = v
	}
	raw, err := json.Marshal(req)
	require.NoError(c.t, err)
	require.True(c.t, c.net.Send(c.id, dest, raw))
	select {
	case r := <-c.replies:
		rep := decode(c.t, r)
		require.Equal(c.t, json.Number(jsonInt(c.nextID)), rep["in_reply_to"], "reply %s", r)
		return rep
	case <-time.After(5 * time.Second):
		c.t.Fatalf("%s: no reply from %s to %s", c.id, dest, raw)
		return nil
	}
}

func jsonInt(i int64) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func decode(t testing.TB, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&m), "reply %s", raw)
	return m
}

// kv request helpers.

func (c *testClient) read(svc string, key any) map[string]any {
	return c.rpc(svc, map[string]any{"type": "read", "key": key})
}

func (c *testClient) write(svc string, key, value any) map[string]any {
	return c.rpc(svc, map[string]any{"type": "write", "key": key, "value": value})
}

func (c *testClient) cas(svc string, key, from, to any, create bool) map[string]any {
	body := map[string]any{"type": "cas", "key": key, "from": from, "to": to}
	if create {
		body["create_if_not_exists"] = true
	}
	return c.rpc(svc, body)
}

// readInt reads an integer key; missing keys read as 0.
func (c *testClient) readInt(svc string, key any) int64 {
	c.t.Helper()
	r := c.read(svc, key)
	if r["type"] == "error" {
		require.Equal(c.t, json.Number("20"), r["code"], "%v", r)
		return 0
	}
	require.Equal(c.t, "read_ok", r["type"], "%v", r)
	n, err := r["value"].(json.Number).Int64()
	require.NoError(c.t, err)
	return n
}

func requireType(t testing.TB, want string, rep map[string]any) {
	t.Helper()
	require.Equal(t, want, rep["type"], "reply %v", rep)
}

func requireError(t testing.TB, code int, rep map[string]any) {
	t.Helper()
	require.Equal(t, "error", rep["type"], "reply %v", rep)
	require.Equal(t, json.Number(jsonInt(int64(code))), rep["code"], "reply %v", rep)
	require.NotEmpty(t, rep["text"])
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }
