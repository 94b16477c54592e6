package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/errcode"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// fakeKafka is a correct single-node log behind a workload.Conn, recording
// every request; failOn makes requests of one type fail with err.
type fakeKafka struct {
	logs      map[string][]any
	committed map[string]int64
	reqs      []map[string]any
	failOn    string
	err       error
	hide      int    // an offset polls leave out (0: none)
	mute      bool   // polls return no messages at all
	extra     string // a key polls return from 0 though not asked for
}

func newFake() *fakeKafka {
	return &fakeKafka{logs: map[string][]any{}, committed: map[string]int64{}}
}

func (f *fakeKafka) ID() string { return "c1" }

func (f *fakeKafka) RPC(ctx context.Context, dest string, body any) (json.RawMessage, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	// The harness's Conn sends what AppendJSONBody writes: it must be
	// what json.Marshal writes (a failed op shows it did not).
	if a, ok := body.(workload.BodyAppender); ok {
		if own, ok := a.AppendJSONBody(nil); ok && string(own) != string(b) {
			return nil, fmt.Errorf("AppendJSONBody wrote %s, json.Marshal %s", own, b)
		}
	}
	var req map[string]any
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	f.reqs = append(f.reqs, req)
	if req["type"] == f.failOn {
		return nil, f.err
	}
	var resp any
	switch req["type"] {
	case "send":
		k := req["key"].(string)
		f.logs[k] = append(f.logs[k], req["msg"])
		resp = map[string]any{"type": "send_ok", "offset": len(f.logs[k]) - 1}
	case "poll":
		msgs := map[string]any{}
		for k, o := range req["offsets"].(map[string]any) {
			pairs := [][]any{}
			for i := int(o.(float64)); i < len(f.logs[k]); i++ {
				if f.mute || (i == f.hide && i > 0) {
					continue
				}
				pairs = append(pairs, []any{i, f.logs[k][i]})
			}
			msgs[k] = pairs
		}
		if f.extra != "" && msgs[f.extra] == nil {
			pairs := [][]any{}
			for i, m := range f.logs[f.extra] {
				pairs = append(pairs, []any{i, m})
			}
			msgs[f.extra] = pairs
		}
		resp = map[string]any{"type": "poll_ok", "msgs": msgs}
	case "commit_offsets":
		for k, o := range req["offsets"].(map[string]any) {
			f.committed[k] = max(f.committed[k], int64(o.(float64)))
		}
		resp = map[string]any{"type": "commit_offsets_ok"}
	case "list_committed_offsets":
		offs := map[string]int64{}
		for _, k := range req["keys"].([]any) {
			if o, ok := f.committed[k.(string)]; ok {
				offs[k.(string)] = o
			}
		}
		resp = map[string]any{"type": "list_committed_offsets_ok", "offsets": offs}
	default:
		return nil, fmt.Errorf("unknown type %v", req["type"])
	}
	return json.Marshal(resp)
}

func invoke(c workload.Client, f string, value any, final bool) history.Op {
	op := history.Op{Type: history.Invoke, F: f, Value: history.Normalize(value), Final: final}
	return c.Invoke(context.Background(), op)
}

func TestClientSendPollCommit(t *testing.T) {
	kf := newFake()
	c := NewClient(kf, "n0")

	op := invoke(c, "send", []any{[]any{"send", "9", 1}}, false)
	require.Equal(t, history.OK, op.Type)
	assert.Equal(t, []any{[]any{"send", "9", []any{int64(0), int64(1)}}}, op.Value)
	invoke(c, "send", []any{[]any{"send", "9", 2}}, false)

	op = invoke(c, "assign", []any{"9"}, false)
	require.Equal(t, history.OK, op.Type)
	assert.Equal(t, []any{"9"}, op.Value)
	assert.Equal(t, "list_committed_offsets", kf.reqs[len(kf.reqs)-1]["type"])

	op = invoke(c, "poll", []any{[]any{"poll"}}, false)
	require.Equal(t, history.OK, op.Type)
	assert.Equal(t, []any{[]any{"poll", map[string]any{"9": []any{
		[]any{int64(0), int64(1)}, []any{int64(1), int64(2)}}}}}, history.Normalize(op.Value), "written as generic values")
	// Committed the highest offset read.
	assert.Equal(t, "commit_offsets", kf.reqs[len(kf.reqs)-1]["type"])
	assert.Equal(t, int64(1), kf.committed["9"])

	// The next poll starts after what was read; nothing new, no commit.
	n := len(kf.reqs)
	op = invoke(c, "poll", []any{[]any{"poll"}}, false)
	assert.Equal(t, []any{[]any{"poll", map[string]any{"9": []any{}}}}, history.Normalize(op.Value), "recorded as generic values")
	assert.Equal(t, map[string]any{"9": float64(2)}, kf.reqs[n]["offsets"])
	assert.Len(t, kf.reqs, n+1)

	// A fresh client (after a crash) resumes at the committed offset.
	c2 := NewClient(kf, "n0")
	op = invoke(c2, "crash", nil, false)
	assert.Equal(t, history.Info, op.Type)
	invoke(c2, "assign", []any{"9", "8"}, false)
	n = len(kf.reqs)
	invoke(c2, "poll", []any{[]any{"poll"}}, false)
	assert.Equal(t, map[string]any{"9": float64(1), "8": float64(0)}, kf.reqs[n]["offsets"])

	// Re-assigning keeps local offsets of kept keys and drops the rest.
	invoke(c2, "assign", []any{"9"}, false)
	n = len(kf.reqs)
	invoke(c2, "poll", []any{[]any{"poll"}}, false)
	assert.Equal(t, map[string]any{"9": float64(2)}, kf.reqs[n]["offsets"])

	// The final phase's assign seeks to 0 without asking the server, and
	// takes Maelstrom's integer keys.
	n = len(kf.reqs)
	op = invoke(c2, "assign", []any{9, 8}, true)
	require.Equal(t, history.OK, op.Type)
	assert.Len(t, kf.reqs, n)
	invoke(c2, "poll", []any{[]any{"poll"}}, true)
	assert.Equal(t, map[string]any{"9": float64(0), "8": float64(0)}, kf.reqs[n]["offsets"])
}

// A poll names every assigned key, in the order encoding/json writes a
// map (the fake checks each request's bytes against json.Marshal), also
// after the node answered a key the client had not asked for, which the
// client then polls too (kafka.clj's apply-mop! moves its offset on).
func TestClientPollsEveryAssignedKey(t *testing.T) {
	kf := newFake()
	c := NewClient(kf, "n0")
	var keys []any
	want := map[string]any{}
	for k := 0; k < 40; k++ {
		keys = append(keys, k)
		want[strconv.Itoa(k)] = float64(0)
		invoke(c, "send", []any{[]any{"send", strconv.Itoa(k), k}}, false)
	}
	invoke(c, "send", []any{[]any{"send", "x", 1}}, false)
	require.Equal(t, history.OK, invoke(c, "assign", keys, true).Type)
	n := len(kf.reqs)
	require.Equal(t, history.OK, invoke(c, "poll", []any{[]any{"poll"}}, true).Type)
	assert.Equal(t, want, kf.reqs[n]["offsets"])

	kf.extra = "x"
	op := invoke(c, "poll", []any{[]any{"poll"}}, true)
	require.Equal(t, history.OK, op.Type)
	msgs, _ := history.AsMap(history.Normalize(op.Value).([]any)[0].([]any)[1])
	assert.Equal(t, []any{[]any{int64(0), int64(1)}}, msgs["x"])
	kf.extra = ""
	n = len(kf.reqs)
	require.Equal(t, history.OK, invoke(c, "poll", []any{[]any{"poll"}}, true).Type)
	assert.Len(t, kf.reqs[n]["offsets"], 41)
	assert.Equal(t, float64(1), kf.reqs[n]["offsets"].(map[string]any)["x"])
	assert.Equal(t, float64(1), kf.reqs[n]["offsets"].(map[string]any)["39"])
}

func TestClientErrors(t *testing.T) {
	kf := newFake()
	kf.failOn, kf.err = "send", fmt.Errorf("read: %w", workload.ErrTimeout)
	c := NewClient(kf, "n0")
	op := invoke(c, "send", []any{[]any{"send", "1", 5}}, false)
	assert.Equal(t, history.Info, op.Type)
	assert.Equal(t, "net-timeout", op.Error)
	assert.Equal(t, []any{[]any{"send", "1", int64(5)}}, op.Value, "an indefinite send keeps its invocation value")

	kf.failOn, kf.err = "list_committed_offsets", errcode.New(errcode.TemporarilyUnavailable, "later")
	op = invoke(c, "assign", []any{"1"}, false)
	assert.Equal(t, history.Fail, op.Type)
	assert.Equal(t, []any{"temporarily-unavailable", "later"}, op.Error)

	// A poll whose commit times out is indefinite as a whole.
	kf.failOn = ""
	invoke(c, "send", []any{[]any{"send", "1", 6}}, false)
	kf.failOn, kf.err = "commit_offsets", fmt.Errorf("x: %w", workload.ErrTimeout)
	op = invoke(c, "poll", []any{[]any{"poll"}}, false)
	assert.Equal(t, history.OK, op.Type, "no key assigned yet: nothing read, nothing committed")
	kf.failOn = ""
	invoke(c, "assign", []any{"1"}, false)
	kf.failOn = "commit_offsets"
	op = invoke(c, "poll", []any{[]any{"poll"}}, false)
	assert.Equal(t, history.Info, op.Type)
	assert.Equal(t, []any{[]any{"poll"}}, op.Value)
}

func TestClientMalformedReply(t *testing.T) {
	c := NewClient(badConn{}, "n0")
	op := invoke(c, "send", []any{[]any{"send", "1", 5}}, false)
	assert.Equal(t, history.Info, op.Type)
	op = invoke(c, "poll", []any{[]any{"poll"}}, false)
	assert.Equal(t, history.Info, op.Type)
}

type badConn struct{}

func (badConn) ID() string { return "c9" }
func (badConn) RPC(ctx context.Context, dest string, body any) (json.RawMessage, error) {
	return json.RawMessage(`{"type":"x","msgs":{"1":[[0]]}}`), nil
}

// The workload's NewClient gives each worker a client bound to its node.
func TestWorkloadNewClient(t *testing.T) {
	w, err := New(workload.Options{Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	kf := newFake()
	c := w.NewClient(kf, workload.Worker{Node: "n1"}, rand.New(rand.NewPCG(1, 2)))
	op := invoke(c, "send", []any{[]any{"send", "3", 1}}, false)
	assert.Equal(t, history.OK, op.Type)
	_, err = New(workload.Options{})
	assert.Error(t, err)
}
