package txnrw

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"glomers/harness/elle"
	"glomers/harness/history"
	"glomers/internal/scenario"
)

// The scenario files in testdata/checker/ hold hand-made histories, one
// event per line:
//
//	<type> <process> <micro-ops...>
//
// type is inv, ok, fail or info; micro-ops are written as Elle's tests
// write them: wx1 writes 1 to key x, ry2 reads 2 from key y, rx_ reads
// nothing (nil). A completion for a process with no pending invocation gets
// one made just before it (reads blanked). `check models=a,b` prints the
// verdict and each reported anomaly in a compact form; `check ... json`
// prints the whole result.

func parseScenario(t *testing.T, input string) history.History {
	return scenario.Txns(t, input, registerOp)
}

// registerOp reads wx1 (write 1 to x), ry2 (read 2 from y), rx_ (read nil).
func registerOp(fn, key, val string) (completion, invocation []any, err error) {
	var v any
	if val != "_" {
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, nil, err
		}
		v = n
	}
	if fn == "r" {
		return []any{fn, key, v}, []any{fn, key, nil}, nil
	}
	return []any{fn, key, v}, []any{fn, key, v}, nil
}

func TestCheckerScenarios(t *testing.T) {
	scenario.CheckDirectives(t, "testdata/checker", []string{"json", "explain"}, func(t *testing.T, d *datadriven.TestData, models []string, flags map[string]bool) string {
		res := Check(parseScenario(t, d.Input), CheckOptions{ConsistencyModels: models})
		if flags["json"] {
			return scenario.JSON(t, res)
		}
		if flags["explain"] {
			var b strings.Builder
			fmt.Fprintf(&b, "valid? %s\n", res.Valid)
			for _, e := range res.Explain() {
				fmt.Fprintf(&b, "- %s\n", e)
			}
			return b.String()
		}
		return summarise(res)
	})
}

// summarise renders a result compactly: the verdict, the anomaly types,
// the model boundary, and one line per reported case.
func summarise(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "valid? %s\n", res.Valid)
	fmt.Fprintf(&b, "anomaly-types: %v\n", res.AnomalyTypes)
	fmt.Fprintf(&b, "not: %v\n", res.Not)
	fmt.Fprintf(&b, "also-not: %v\n", res.AlsoNot)
	if res.Error != "" {
		fmt.Fprintf(&b, "error: %s\n", res.Error)
	}
	types := make([]string, 0, len(res.Anomalies))
	for k := range res.Anomalies {
		types = append(types, k)
	}
	sort.Strings(types)
	for _, typ := range types {
		switch cs := res.Anomalies[typ].(type) {
		case []elle.CycleReport:
			for _, c := range cs {
				fmt.Fprintf(&b, "%s:", typ)
				for i, op := range c.Cycle {
					fmt.Fprintf(&b, " %d", op.Index)
					if i < len(c.Steps) {
						fmt.Fprintf(&b, " -%s->", c.Steps[i]["type"])
					}
				}
				b.WriteString("\n")
			}
		case []elle.CycleExistsCase:
			for _, c := range cs {
				fmt.Fprintf(&b, "%s: scc %v\n", typ, c.SCC)
			}
		case []readCase:
			for _, c := range cs {
				fmt.Fprintf(&b, "%s: op %d %v written by op %d\n", typ, c.Op.Index, c.Mop, c.Writer.Index)
			}
		case []internalCase:
			for _, c := range cs {
				fmt.Fprintf(&b, "%s: op %d %v expected %v\n", typ, c.Op.Index, c.Mop, c.Expected)
			}
		case []elle.LostUpdateCase:
			for _, c := range cs {
				idx := make([]int, len(c.Txns))
				for i, o := range c.Txns {
					idx[i] = o.Index
				}
				fmt.Fprintf(&b, "%s: %v=%v txns %v\n", typ, c.Key, c.Value, idx)
			}
		case []cyclicVersionsCase:
			for _, c := range cs {
				fmt.Fprintf(&b, "%s: key %v scc %v\n", typ, c.Key, c.SCC)
			}
		default:
			fmt.Fprintf(&b, "%s: %v\n", typ, cs)
		}
	}
	return b.String()
}
