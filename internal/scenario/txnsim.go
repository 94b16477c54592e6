package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
)

// SimulateTxns builds a history of n transactions from next, run by procs
// concurrent processes against a store that apply stands for: apply
// executes one micro-op [f k v] and returns it as completed (a read filled
// in). Each step picks a process with rng and either invokes a txn for it,
// when idle, or executes one micro-op of its running txn; the txn completes
// after its last micro-op. With atomic set, a txn's micro-ops all run in
// one step (a strictly serializable store); otherwise they interleave with
// other txns' micro-ops, writes taking effect at once (a read-uncommitted
// store, full of anomalies).
func SimulateTxns(rng *rand.Rand, next func() []any, n, procs int, atomic bool, apply func(m []any) []any) history.History {
	type running struct {
		txn  []any
		next int
	}
	run := make([]*running, procs)
	var h history.History
	emit := func(o history.Op) {
		o.Index = len(h)
		o.Time = int64(len(h)) * 1000
		h = append(h, o)
	}
	started, done := 0, 0
	for done < n {
		p := rng.IntN(procs)
		r := run[p]
		if r == nil {
			if started == n {
				continue
			}
			started++
			txn := next()
			emit(history.Op{Type: history.Invoke, Process: p, F: "txn", Value: txn})
			out := make([]any, len(txn))
			copy(out, txn)
			run[p] = &running{txn: out}
			continue
		}
		for {
			r.txn[r.next] = apply(r.txn[r.next].([]any))
			r.next++
			if !atomic || r.next == len(r.txn) {
				break
			}
		}
		if r.next == len(r.txn) {
			emit(history.Op{Type: history.OK, Process: p, F: "txn", Value: r.txn})
			run[p] = nil
			done++
		}
	}
	return h
}

// TxnConn is a fake client connection (a workload.Conn) for transaction
// clients: it records every request body in Got and answers with Err, or
// with the canned Reply, or with txn_ok carrying the request's micro-ops
// each passed through Apply (f, the key as printed, the value).
type TxnConn struct {
	Apply func(f, key string, v any) any
	Err   error
	Reply string
	Got   []json.RawMessage
}

// ID names the fake client.
func (c *TxnConn) ID() string { return "c1" }

// RPC answers one request as the fields say.
func (c *TxnConn) RPC(_ context.Context, _ string, body any) (json.RawMessage, error) {
	b, _ := json.Marshal(body)
	c.Got = append(c.Got, b)
	if c.Err != nil {
		return nil, c.Err
	}
	if c.Reply != "" {
		return json.RawMessage(c.Reply), nil
	}
	var req struct {
		Txn [][]any `json:"txn"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	for _, m := range req.Txn {
		m[2] = c.Apply(fmt.Sprint(m[0]), fmt.Sprint(m[1]), m[2])
	}
	return json.Marshal(map[string]any{"type": "txn_ok", "txn": req.Txn})
}

// CheckDirectives runs every datadriven file under dir as a checker
// scenario: each directive must be `check`, whose arguments CheckArgs reads
// (flags are the stand-alone ones allowed), and fn renders its output.
func CheckDirectives(t *testing.T, dir string, flags []string, fn func(t *testing.T, d *datadriven.TestData, models []string, set map[string]bool) string) {
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			require.Equal(t, "check", d.Cmd)
			models, set := CheckArgs(t, d, flags...)
			return fn(t, d, models, set)
		})
	})
}

// CheckArgs reads the arguments of a checker scenario's `check` directive:
// models=a,b (repeatable) gives the consistency models, and each name in
// flags may stand alone; anything else fails the test.
func CheckArgs(t testing.TB, d *datadriven.TestData, flags ...string) (models []string, set map[string]bool) {
	t.Helper()
	set = map[string]bool{}
	for _, a := range d.CmdArgs {
		if a.Key == "models" {
			for _, v := range a.Vals {
				models = append(models, strings.Split(v, ",")...)
			}
			continue
		}
		known := false
		for _, f := range flags {
			known = known || a.Key == f
		}
		if !known {
			t.Fatalf("unknown argument %s", a.Key)
		}
		set[a.Key] = true
	}
	return models, set
}
