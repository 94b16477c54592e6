package checkcmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/report"
)

// Synthetic g-set stores in Maelstrom's format (there is no real one in
// ../shared/maelstrom-runs), written by hand as g_set.clj's client records
// ops: :f :add with the element as :value, :f :read with the read_ok's
// value, a JSON array, as an EDN vector. They test that a g-set store is
// read and routed to Jepsen's set-full checker; set-full's verdicts are
// tested by the scenarios in workload/setfull.
const gsetHistoryHead = `{:type :invoke, :f :add, :value 0, :time 1000000, :process 0, :index 0}
{:type :ok, :f :add, :value 0, :time 2000000, :process 0, :index 1}
{:type :invoke, :f :add, :value 1, :time 3000000, :process 1, :index 2}
{:type :ok, :f :add, :value 1, :time 4000000, :process 1, :index 3}
{:type :invoke, :f :read, :value nil, :time 5000000, :process 0, :index 4}
{:type :ok, :f :read, :value [0 1], :time 6000000, :process 0, :index 5}
{:type :invoke, :f :read, :value nil, :time 7000000000, :process 0, :index 6}
`

// In the valid store the final read sees both elements; in the invalid one
// it has lost 1, which a read had already seen.
const (
	gsetFinalValid = `{:type :ok, :f :read, :value [0 1], :time 7001000000, :process 0, :index 7}` + "\n"
	gsetFinalLost  = `{:type :ok, :f :read, :value [0], :time 7001000000, :process 0, :index 7}` + "\n"
)

func gsetResults(valid bool) string {
	v := map[bool]string{true: "true", false: "false"}[valid]
	return `{:workload {:valid? ` + v + `}, :valid? ` + v + `}`
}

func TestGSetStore(t *testing.T) {
	for _, tc := range []struct {
		name, final string
		valid       bool
	}{
		{"valid", gsetFinalValid, true},
		{"lost", gsetFinalLost, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeStore(t, map[string]string{
				"history.edn": gsetHistoryHead + tc.final,
				"results.edn": gsetResults(tc.valid),
				"SOURCE.txt":  "command_line: lein run test -w g-set --bin x --node-count 2 --time-limit 5\n",
			})
			var stdout, stderr bytes.Buffer
			code := Main([]string{dir}, &stdout, &stderr, registryLookup)
			want := map[bool]int{true: report.ExitValid, false: report.ExitInvalid}[tc.valid]
			assert.Equal(t, want, code, stdout.String()+stderr.String())
			assert.Contains(t, stdout.String(), "Agrees with Maelstrom.")

			out, err := Check(dir, Options{}, registryLookup)
			require.NoError(t, err)
			assert.Equal(t, "g-set", out.Settings.Workload)
			if !tc.valid {
				w := out.Results.Workload.(interface{ Explain() []string })
				require.NotEmpty(t, w.Explain())
				assert.True(t, strings.Contains(strings.Join(w.Explain(), "\n"), "1"), w.Explain())
			}
		})
	}
}
