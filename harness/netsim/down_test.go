package netsim

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDownNodeDropsItsMessages(t *testing.T) {
	net := New(Config{})
	defer net.Close()
	got := make(chan Message, 10)
	net.Add("c0", ReceiverFunc(func(Message) {}))
	net.Add("n0", ReceiverFunc(func(m Message) { got <- m }))
	net.SetDown("n0", true)
	assert.True(t, net.Send("c0", "n0", json.RawMessage(`{"type":"lost"}`)), "a dead node's address is still known")
	net.SetDown("n0", false)
	net.Send("c0", "n0", json.RawMessage(`{"type":"kept"}`))
	select {
	case m := <-got:
		assert.JSONEq(t, `{"type":"kept"}`, string(m.Body))
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery after the node came back")
	}
	s := net.Stats()
	assert.EqualValues(t, 1, s.Dropped)
	assert.EqualValues(t, 0, s.Undeliverable)
}

func TestBootingNodeHearsOnlyItsInitClient(t *testing.T) {
	net := New(Config{})
	defer net.Close()
	got := make(chan Message, 10)
	for _, id := range []string{"c0", "n1"} {
		net.Add(id, ReceiverFunc(func(Message) {}))
	}
	net.Add("n0", ReceiverFunc(func(m Message) { got <- m }))
	net.SetDown("n0", true)
	net.SetBooting("n0", "c0")
	net.Send("n1", "n0", json.RawMessage(`{"type":"gossip"}`))
	net.Send("c0", "n0", json.RawMessage(`{"type":"init"}`))
	net.SetDown("n0", false)
	net.Send("n1", "n0", json.RawMessage(`{"type":"after"}`))
	for _, want := range []string{`{"type":"init"}`, `{"type":"after"}`} {
		select {
		case m := <-got:
			assert.JSONEq(t, want, string(m.Body))
		case <-time.After(5 * time.Second):
			t.Fatalf("no delivery of %s", want)
		}
	}
	assert.EqualValues(t, 1, net.Stats().Dropped, "the peer's message before init is dropped")
}
