package listappend

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"glomers/harness/history"
	"glomers/internal/scenario"
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
	return scenario.Txns(t, input, appendOp)
}

// appendOp reads ax5 (append 5 to x), rx:1,2 (read [1 2] from x), rx:
// (read []) and rx_ (read nil).
func appendOp(fn, key, val string) (completion, invocation []any, err error) {
	switch fn {
	case "a":
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, nil, err
		}
		return []any{"append", key, n}, []any{"append", key, n}, nil
	case "r":
		var v any
		if val != "_" {
			if !strings.HasPrefix(val, ":") {
				return nil, nil, fmt.Errorf("a read is rx:1,2, rx: or rx_")
			}
			l := []any{}
			for _, s := range strings.Split(val[1:], ",") {
				if s == "" {
					continue
				}
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return nil, nil, err
				}
				l = append(l, n)
			}
			v = l
		}
		return []any{"r", key, v}, []any{"r", key, nil}, nil
	}
	return []any{fn, key, val}, []any{fn, key, val}, nil
}

func TestCheckerScenarios(t *testing.T) {
	scenario.CheckDirectives(t, "testdata/checker", []string{"json"}, func(t *testing.T, d *datadriven.TestData, models []string, flags map[string]bool) string {
		res := Check(parseScenario(t, d.Input), CheckOptions{ConsistencyModels: models})
		if flags["json"] {
			return scenario.JSON(t, res)
		}
		return summarise(res)
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
