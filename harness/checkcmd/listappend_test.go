package checkcmd

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/report"
)

// A synthetic txn-list-append store in Maelstrom's format (there is no
// real one in ../shared/maelstrom-runs): both history.edn and results.edn
// were written by hand, so "Agrees with Maelstrom" here tests the parsing
// of a store and the routing to the list-append checker, not agreement
// with Elle (its :not line was never produced by Elle). The checker's
// verdicts are tested by the scenarios in workload/listappend. The ops
// are as txn_list_append.clj's client
// records them, :f :txn with [:r k nil] and [:append k v] micro-ops, reads
// filled in on :ok. Process 1 begins reading key 9 after process 0's
// append of 1 to it completed, yet sees nothing: a stale read, which is
// G-single-item-realtime under strict serializability (Maelstrom's
// default), and fine under serializability.
const listAppendHistory = `{:type :invoke, :f :txn, :value [[:append 9 1] [:append 8 1]], :time 1000000, :process 0, :index 0}
{:type :ok, :f :txn, :value [[:append 9 1] [:append 8 1]], :time 2000000, :process 0, :index 1}
{:type :invoke, :f :txn, :value [[:r 9 nil]], :time 3000000, :process 1, :index 2}
{:type :ok, :f :txn, :value [[:r 9 nil]], :time 4000000, :process 1, :index 3}
{:type :invoke, :f :txn, :value [[:r 8 nil] [:append 9 2]], :time 5000000, :process 0, :index 4}
{:type :fail, :f :txn, :value [[:r 8 nil] [:append 9 2]], :time 6000000, :process 0, :index 5, :error [:txn-conflict "retry"]}
{:type :invoke, :f :txn, :value [[:r 8 nil] [:r 9 nil]], :time 7000000, :process 1, :index 6}
{:type :ok, :f :txn, :value [[:r 8 [1]] [:r 9 [1]]], :time 8000000, :process 1, :index 7}
`

const listAppendResults = `{:perf {}
 :stats {:valid? true, :count 4, :ok-count 3, :fail-count 1, :info-count 0,
         :by-f {:txn {:valid? true, :count 4, :ok-count 3, :fail-count 1, :info-count 0}}},
 :workload {:valid? false,
            :anomaly-types (:G-single-item-realtime),
            :not #{:strong-snapshot-isolation},
            :also-not #{:strong-serializable}},
 :valid? false}`

func TestListAppendStore(t *testing.T) {
	dir := writeStore(t, map[string]string{
		"history.edn": listAppendHistory,
		"results.edn": listAppendResults,
		"SOURCE.txt":  "command_line: lein run test -w txn-list-append --bin x --node-count 2 --time-limit 1\n",
	})
	var stdout, stderr bytes.Buffer
	code := Main([]string{dir}, &stdout, &stderr, registryLookup)
	assert.Equal(t, report.ExitInvalid, code, stderr.String())
	assert.Contains(t, stdout.String(), "G-single-item-realtime")
	assert.Contains(t, stdout.String(), "Agrees with Maelstrom.")

	out, err := Check(dir, Options{}, registryLookup)
	require.NoError(t, err)
	assert.Equal(t, "txn-list-append", out.Settings.Workload)
	assert.True(t, out.Agree())
	w := out.Results.Workload.(interface{ Explain() []string })
	require.Len(t, w.Explain(), 1)
	assert.Contains(t, w.Explain()[0], "T1 observed the initial (nil) state of 9, which T2 created by appending 1")

	// Under serializability the same history is fine.
	stdout.Reset()
	code = Main([]string{"--consistency-models", "serializable", dir}, &stdout, &stderr, registryLookup)
	assert.Equal(t, report.ExitValid, code, stdout.String())
	assert.Contains(t, stdout.String(), "DISAGREES with Maelstrom.")
}
