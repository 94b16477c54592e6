package listappend

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"glomers/harness/history"
)

// The scenario files in testdata/checker/ hold hand-made histories, one
// event per line:
//
//	<type> <process> <micro-ops...>
//
// type is inv, ok, fail or info; a micro-op is ax5 (append 5 to key x),
// rx:1,2 (read [1 2] from key x), rx: (read []) or rx_ (read nil). A
// completion for a process with no pending invocation gets one made just
// before it (reads blanked). Events are 1 ms apart. `check models=a,b`
// prints the verdict, the model boundary and the result's explanations;
// `check ... json` prints the whole result.

func parseScenario(t *testing.T, input string) history.History {
	var h history.History
	pending := map[int]bool{}
	for _, line := range strings.Split(input, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		require.GreaterOrEqual(t, len(f), 2, "line %q", line)
		p, err := strconv.Atoi(f[1])
		require.NoError(t, err, "line %q", line)
		var txn, inv []any
		for _, tok := range f[2:] {
			require.GreaterOrEqual(t, len(tok), 3, "micro-op %q", tok)
			fn, key, val := tok[:1], tok[1:2], tok[2:]
			switch fn {
			case "a":
				n, err := strconv.ParseInt(val, 10, 64)
				require.NoError(t, err, "micro-op %q", tok)
				txn = append(txn, []any{"append", key, n})
				inv = append(inv, []any{"append", key, n})
			case "r":
				var v any
				if val != "_" {
					require.True(t, strings.HasPrefix(val, ":"), "micro-op %q", tok)
					l := []any{}
					for _, s := range strings.Split(val[1:], ",") {
						if s == "" {
							continue
						}
						n, err := strconv.ParseInt(s, 10, 64)
						require.NoError(t, err, "micro-op %q", tok)
						l = append(l, n)
					}
					v = l
				}
				txn = append(txn, []any{"r", key, v})
				inv = append(inv, []any{"r", key, nil})
			default:
				txn = append(txn, []any{fn, key, val})
				inv = append(inv, []any{fn, key, val})
			}
		}
		typ := history.Type(f[0])
		if f[0] == "inv" {
			typ = history.Invoke
		}
		if typ != history.Invoke && !pending[p] {
			h = append(h, history.Op{Type: history.Invoke, Process: p, F: "txn", Value: inv})
		}
		pending[p] = typ == history.Invoke
		val := any(txn)
		if typ == history.Invoke {
			val = inv
		}
		h = append(h, history.Op{Type: typ, Process: p, F: "txn", Value: val})
	}
	for i := range h {
		h[i].Index = i
		h[i].Time = int64(i) * 1_000_000
	}
	return h
}

func TestCheckerScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/checker", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			require.Equal(t, "check", d.Cmd)
			var opts CheckOptions
			asJSON := false
			for _, a := range d.CmdArgs {
				switch a.Key {
				case "models":
					for _, v := range a.Vals {
						opts.ConsistencyModels = append(opts.ConsistencyModels, strings.Split(v, ",")...)
					}
				case "json":
					asJSON = true
				default:
					t.Fatalf("unknown argument %s", a.Key)
				}
			}
			res := Check(parseScenario(t, d.Input), opts)
			if asJSON {
				b, err := json.MarshalIndent(res, "", "  ")
				require.NoError(t, err)
				return string(b) + "\n"
			}
			return summarise(res)
		})
	})
}

// summarise renders a result: the verdict, the anomaly types, the model
// boundary, and the explanations, one per line.
func summarise(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "valid? %s\n", res.Valid)
	fmt.Fprintf(&b, "anomaly-types: %v\n", res.AnomalyTypes)
	fmt.Fprintf(&b, "not: %v\n", res.Not)
	fmt.Fprintf(&b, "also-not: %v\n", res.AlsoNot)
	for _, e := range res.Explain() {
		fmt.Fprintf(&b, "- %s\n", e)
	}
	return b.String()
}
