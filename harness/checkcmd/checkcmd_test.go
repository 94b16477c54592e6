package checkcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"glomers/internal/testbin"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/registry"
	"glomers/harness/report"
	"glomers/harness/workload"
)

// workloadChecks lists the workloads whose checkers are compared with
// Maelstrom's on the real runs: the workload verdict and the overall
// verdict always, plus the key figures named here (compared when
// results.edn has them). Adding a workload is one line, once it is in the
// registry.
//
// echo's checker, like Maelstrom's (knossos.history/pair-index), never
// compares invocations that ended in info.
// txn-rw-register's :not and :also-not are not compared: Elle's model names
// differ (ROLA, causal-cerone, prefix).
var workloadChecks = map[string][]string{
	"echo":            {"errors"},
	"unique-ids":      {"attempted-count", "acknowledged-count", "duplicated-count", "duplicated", "range"},
	"g-counter":       {"final-reads", "acceptable", "errors"},
	"broadcast":       {"attempt-count", "stable-count", "lost-count", "lost", "never-read-count", "stale-count", "duplicated-count", "duplicated", "stable-latencies", "lost-latencies"},
	"kafka":           {"bad-error-types", "error-types", "info-txn-causes", "worst-realtime-lag"},
	"lin-kv":          {"failures"},
	"txn-rw-register": {"anomaly-types", "anomalies"},
	"txn-list-append": {"anomaly-types"},
}

// compareFigures checks that each named key of Maelstrom's workload result
// has the same value (numbers compared numerically) in ours.
func compareFigures(t require.TestingT, keys []string, ours check.Result, theirs map[string]any) {
	b, err := json.Marshal(ours)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m any
	require.NoError(t, dec.Decode(&m))
	mine, _ := history.AsMap(history.Normalize(m))
	for _, k := range keys {
		want, ok := theirs[k]
		if !ok {
			continue
		}
		assert.True(t, sameValue(want, mine[k]), "workload %s: maelstrom %v, ours %v", k, want, mine[k])
	}
}

// sameValue compares normalised values, numbers by value and empty lists
// equal to nil (EDN () and nil both print as such).
func sameValue(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case []any:
		y, _ := b.([]any)
		if len(x) != len(y) || (b != nil && y == nil) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok && !(b == nil && len(x) == 0) {
			return false
		}
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case nil:
		if l, ok := b.([]any); ok {
			return len(l) == 0
		}
		return b == nil
	}
	return a == b
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// registryLookup builds workloads from the harness's registry.
var registryLookup = FromRegistry(registry.Get)

// TestRealMaelstromRuns checks every run in ../shared/maelstrom-runs: our
// stats (count, ok, fail, info per :f, and their verdicts) and availability
// (ok-fraction and verdict, with the --availability of the run's command
// line) must match its results.edn; so must the workload and overall
// verdicts of the workloads in workloadChecks.
func TestRealMaelstromRuns(t *testing.T) {
	runs := testbin.MaelstromRuns(t)
	dirs, err := filepath.Glob(filepath.Join(runs, "*", "history.edn"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, file := range dirs {
		dir := filepath.Dir(file)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			lookup := registryLookup
			fi, err := os.Stat(file)
			require.NoError(t, err)
			if fi.Size() > 1<<20 && raceEnabled {
				t.Skip("large history skipped under the race detector")
			}
			if fi.Size() > 1<<20 && testing.Short() {
				t.Log("-short: workload checker skipped on a large history")
				lookup = nil
			}
			start := time.Now()
			out, err := Check(dir, Options{}, lookup)
			require.NoError(t, err)
			t.Logf("%d ops checked in %v", len(out.History), time.Since(start))
			require.NotNil(t, out.Maelstrom, "results.edn")
			require.Equal(t, "SOURCE.txt", out.Settings.Source)
			require.NotEmpty(t, out.Settings.Workload)

			theirs := out.Maelstrom
			st, ok := history.AsMap(theirs["stats"])
			require.True(t, ok)
			assert.Equal(t, validText(st["valid?"]), out.Results.Stats.Validity().String(), "stats valid?")
			assert.Equal(t, countsOf(st), countsText(out.Results.Stats.Counts), "stats counts")
			byF, _ := history.AsMap(st["by-f"])
			assert.Len(t, out.Results.Stats.ByF, len(byF), "stats :f")
			for f, c := range byF {
				cm, _ := history.AsMap(c)
				ours, ok := out.Results.Stats.ByF[f]
				if assert.True(t, ok, "stats :f %s", f) {
					assert.Equal(t, countsOf(cm), countsText(ours), "stats %s", f)
					assert.Equal(t, validText(cm["valid?"]), ours.Validity().String(), "stats %s valid?", f)
				}
			}

			if av, ok := history.AsMap(theirs["availability"]); ok {
				assert.Equal(t, fractionText(av["ok-fraction"]), fractionText(out.Results.Availability.OKFraction), "ok-fraction")
				assert.Equal(t, validText(av["valid?"]), out.Results.Availability.Validity().String(), "availability valid?")
			} else {
				t.Log("results.edn has no :availability (older Maelstrom)")
			}

			keys, compare := workloadChecks[out.Settings.Workload]
			if !compare || lookup == nil {
				t.Logf("workload %s not compared yet (ours: %s)", out.Settings.Workload, out.Results.WorkloadValidity())
				return
			}
			assert.Equal(t, validText(history.Get(theirs["workload"], "valid?")), out.Results.WorkloadValidity().String(), "workload valid?")
			assert.Equal(t, validText(theirs["valid?"]), out.Results.Valid.String(), "valid?")
			assert.True(t, out.Agree(), "every compared figure agrees")
			w, _ := history.AsMap(theirs["workload"])
			compareFigures(t, keys, out.Results.Workload.(check.Result), w)
		})
	}
}

// TestTheRamsayEchoIsInvalidOverall reproduces the one run whose overall
// verdict differs from its workload verdict: every echo reply was
// malformed, so no echo op is ok and :stats is false.
func TestTheRamsayEchoIsInvalidOverall(t *testing.T) {
	runs := testbin.MaelstromRuns(t)
	dir := filepath.Join(runs, "TheRamsay__distributed-systems__echo__20240801T184646.454+0200")
	valid := func(string, workload.Options) (workload.Workload, error) { return stubWorkload{check.Valid}, nil }
	out, err := Check(dir, Options{}, valid)
	require.NoError(t, err)
	assert.Equal(t, check.Valid, out.Results.WorkloadValidity())
	assert.Equal(t, check.Invalid, out.Results.Stats.Validity())
	assert.Equal(t, check.Valid, out.Results.Availability.Validity())
	assert.Equal(t, check.Invalid, out.Results.Valid)
	assert.True(t, out.Agree(), "%+v", out.Rows)
}

type stubWorkload struct{ v check.Validity }

func (stubWorkload) Setup(context.Context, func() workload.Conn) error { return nil }
func (stubWorkload) Generator() workload.Generator                     { return nil }
func (stubWorkload) Final() *workload.Final                            { return nil }
func (stubWorkload) NewClient(workload.Conn, workload.Worker, *rand.Rand) workload.Client {
	return nil
}

func (s stubWorkload) Check(history.History) check.Result { return check.Verdict{Valid: s.v} }

func writeStore(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

const tinyHistory = `{:index 0, :time 1000000, :type :invoke, :process 0, :f :generate, :value nil}
{:index 1, :time 3000000, :type :ok, :process 0, :f :generate, :value "a"}
{:index 2, :time 4000000, :type :invoke, :process 1, :f :generate, :value nil}
{:index 3, :time 9000000, :type :info, :process 1, :f :generate, :value nil, :error :net-timeout}
`

const tinyResults = `{:stats {:valid? true, :count 2, :ok-count 1, :fail-count 0, :info-count 1,
         :by-f {:generate {:valid? true, :count 2, :ok-count 1, :fail-count 0, :info-count 1}}},
 :availability {:valid? false, :ok-fraction 0.5},
 :workload {:valid? true},
 :valid? false}`

func TestMainAgainstResultsEDN(t *testing.T) {
	dir := writeStore(t, map[string]string{
		"history.edn": tinyHistory,
		"results.edn": tinyResults,
		"jepsen.log":  "INFO jepsen.core Command line:\nlein run test -w unique-ids --bin x --availability total --node-count 1\nINFO more\n",
	})
	valid := func(string, workload.Options) (workload.Workload, error) { return stubWorkload{check.Valid}, nil }

	var stdout, stderr bytes.Buffer
	resultsFile := filepath.Join(t.TempDir(), "results.json")
	code := Main([]string{dir, "--results", resultsFile}, &stdout, &stderr, valid)
	s := stdout.String()
	assert.Equal(t, report.ExitInvalid, code, stderr.String())
	assert.Contains(t, s, "settings from jepsen.log: lein run test -w unique-ids")
	assert.Contains(t, s, "availability target: total (jepsen.log)")
	assert.Contains(t, s, "compared with results.edn")
	assert.Contains(t, s, "Agrees with Maelstrom.")
	assert.True(t, strings.HasSuffix(s, report.ClosingInvalid+"\n"), s)
	f, err := os.Open(resultsFile)
	require.NoError(t, err)
	written, err := report.Read(f)
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, check.Invalid, written.Valid)
	assert.Equal(t, float32(0.5), written.Availability.OKFraction)

	// --availability overrides the store: now everything is valid, and we
	// disagree with results.edn.
	stdout.Reset()
	code = Main([]string{"--availability", "0.5", dir, "-w", "unique-ids"}, &stdout, &stderr, valid)
	assert.Equal(t, report.ExitValid, code)
	assert.Contains(t, stdout.String(), "availability target: 0.5 (--availability)")
	assert.Contains(t, stdout.String(), "<- differs")
	assert.Contains(t, stdout.String(), "DISAGREES with Maelstrom.")
	assert.True(t, strings.HasSuffix(stdout.String(), report.ClosingValid+"\n"))

	// A workload that cannot be built leaves the verdict unknown, unless
	// something else is invalid.
	stdout.Reset()
	none := func(string, workload.Options) (workload.Workload, error) { return nil, errors.New("unknown workload") }
	code = Main([]string{"--availability=0.5", dir}, &stdout, &stderr, none)
	assert.Equal(t, report.ExitUnknown, code)
	assert.Contains(t, stdout.String(), "workload unique-ids: unknown workload")
	assert.True(t, strings.HasSuffix(stdout.String(), report.ClosingUnknown+"\n"))

	// A checker that panics is unknown too (Jepsen's check-safe).
	stdout.Reset()
	boom := func(string, workload.Options) (workload.Workload, error) { return panicky{}, nil }
	assert.Equal(t, report.ExitUnknown, Main([]string{"--availability=0.5", dir}, &stdout, &stderr, boom))
	assert.Contains(t, stdout.String(), "checker failed: boom")
}

type panicky struct{ stubWorkload }

func (panicky) Check(history.History) check.Result { panic("boom") }

func TestMainErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, report.ExitError, Main(nil, &stdout, &stderr, nil), "no dir")
	assert.Equal(t, report.ExitError, Main([]string{"--bogus", "x", "y"}, &stdout, &stderr, nil), "bad flag")
	assert.Equal(t, report.ExitError, Main([]string{t.TempDir()}, &stdout, &stderr, nil), "no history")
	assert.Contains(t, stderr.String(), "neither history.edn nor history.jsonl")

	stderr.Reset()
	dir := writeStore(t, map[string]string{"history.edn": tinyHistory})
	assert.Equal(t, report.ExitError, Main([]string{dir}, &stdout, &stderr, nil), "no workload")
	assert.Contains(t, stderr.String(), "no workload")

	stderr.Reset()
	assert.Equal(t, report.ExitError, Main([]string{"-w", "echo", "--availability", "most", dir}, &stdout, &stderr, nil))
	assert.Contains(t, stderr.String(), "must be either 'total' or a number")

	assert.Equal(t, report.ExitValid, Main([]string{"--help"}, &stdout, &stderr, nil))
}

func TestOwnStore(t *testing.T) {
	// Our harness's store: history.jsonl and test.json (run.Config's
	// field names), no results.edn.
	dir := writeStore(t, map[string]string{
		"history.jsonl": `{"index":0,"time":0,"type":"invoke","process":0,"f":"echo","value":"x"}
{"index":1,"time":5,"type":"ok","process":0,"f":"echo","value":{"echo":"x"}}
`,
		"test.json": `{"Workload":"echo","NodeIDs":["n0","n1"],"Concurrency":4,"Rate":100,"TimeLimit":10000000000,"Availability":"total","ConsistencyModels":null}`,
	})
	var gotOpts workload.Options
	lookup := func(name string, opts workload.Options) (workload.Workload, error) {
		gotOpts = opts
		return stubWorkload{check.Valid}, nil
	}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, report.ExitValid, Main([]string{dir}, &stdout, &stderr, lookup), stderr.String())
	assert.Contains(t, stdout.String(), "nothing to compare with")
	assert.Contains(t, stdout.String(), "availability target: total (test.json)")
	assert.Equal(t, []string{"n0", "n1"}, gotOpts.Nodes)
	assert.Equal(t, 4, gotOpts.Concurrency)
	assert.Equal(t, 10*time.Second, gotOpts.TimeLimit)
	assert.Equal(t, []string{"strict-serializable"}, gotOpts.ConsistencyModels)
}

func TestSettingsFromCommandLine(t *testing.T) {
	s := settingsFromCommandLine(`lein run test -w txn-rw-register --bin "./target/my txn" --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted --availability total --log-stderr --max-txn-length=3`)
	assert.Equal(t, "txn-rw-register", s.Workload)
	assert.Equal(t, []string{"n0", "n1"}, s.Nodes)
	assert.Equal(t, "2n", s.Concurrency)
	assert.Equal(t, 20*time.Second, s.TimeLimit)
	assert.Equal(t, 1000.0, s.Rate)
	assert.Equal(t, []string{"read-uncommitted"}, s.ConsistencyModels)
	assert.Equal(t, "total", s.Availability)
	assert.Equal(t, 3, s.MaxTxnLength)
	opts, err := s.Options()
	require.NoError(t, err)
	assert.Equal(t, 4, opts.Concurrency)
	assert.Equal(t, 16, opts.MaxWritesPerKey)
	assert.Equal(t, "grid", opts.Topology)

	// Without --node-count: Jepsen's n1..n5, and concurrency 1n.
	opts, err = settingsFromCommandLine("lein run test -w broadcast --bin x --rate 10").Options()
	require.NoError(t, err)
	assert.Equal(t, []string{"n1", "n2", "n3", "n4", "n5"}, opts.Nodes)
	assert.Equal(t, 5, opts.Concurrency)

	_, err = Settings{Concurrency: "xn"}.Options()
	assert.Error(t, err)

	assert.Equal(t, []string{"a b", "c", `d"e`, "f'g"}, splitWords(`'a b' c d\"e "f'g"`))
}

func TestSettingsFromTestEDN(t *testing.T) {
	dir := writeStore(t, map[string]string{
		"test.edn": `{:name "kafka", :workload :kafka, :node-count 3, :concurrency "2n", :availability :total,
		  :consistency-models [:read-committed], :time-limit 20, :rate 1000, :topology :tree4, :key-count 7}`,
	})
	s, err := loadSettings(dir)
	require.NoError(t, err)
	assert.Equal(t, "test.edn", s.Source)
	assert.Equal(t, "kafka", s.Workload)
	assert.Equal(t, []string{"n0", "n1", "n2"}, s.Nodes)
	assert.Equal(t, "total", s.Availability)
	assert.Equal(t, []string{"read-committed"}, s.ConsistencyModels)
	assert.Equal(t, 20*time.Second, s.TimeLimit)
	assert.Equal(t, 1000.0, s.Rate)
	assert.Equal(t, "tree4", s.Topology)
	assert.Equal(t, 7, s.KeyCount)
	opts, err := s.Options()
	require.NoError(t, err)
	assert.Equal(t, 6, opts.Concurrency)

	s, err = loadSettings(t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, "", s.Source)
}

func TestCompareRows(t *testing.T) {
	h := history.History{
		{Type: history.Invoke, F: "read"}, {Type: history.OK, F: "read"},
		{Type: history.Invoke, F: "write", Process: 1}, {Type: history.Fail, F: "write", Process: 1},
	}
	st := check.MaelstromStats(h)
	av := check.Availability(h, check.AvailabilityTarget{})
	r := report.New(report.Parts{Workload: check.Verdict{Valid: check.Valid}, Stats: &st, Availability: &av})
	theirs, err := history.ReadEDNValue(strings.NewReader(`{:valid? false, :workload {:valid? true},
	  :stats {:valid? false, :count 2, :ok-count 1, :fail-count 1, :info-count 0,
	          :by-f {:read {:valid? true, :count 1, :ok-count 1, :fail-count 0, :info-count 0},
	                 :write {:valid? false, :count 1, :ok-count 0, :fail-count 1, :info-count 0}}},
	  :availability {:valid? true, :ok-fraction 0.5}}`))
	require.NoError(t, err)
	rows := Compare(r, theirs.(map[string]any))
	want := []Row{
		{"valid?", "false", "false", true},
		{"workload valid?", "true", "true", true},
		{"stats valid?", "false", "false", true},
		{"stats count/ok/fail/info", "2/1/1/0", "2/1/1/0", true},
		{"  read", "true 1/1/0/0", "true 1/1/0/0", true},
		{"  write", "false 1/0/1/0", "false 1/0/1/0", true},
		{"availability valid?", "true", "true", true},
		{"availability ok-fraction", "0.5", "0.5", true},
	}
	assert.Equal(t, want, rows)
}

// BenchmarkCheck measures `harness check` on the largest real runs, split
// into reading history.edn, the shared checkers, and the workload checker.
func BenchmarkCheck(b *testing.B) {
	runs := testbin.MaelstromRuns(b)
	for _, name := range []string{
		"Emmanuel32__distributed-systems-practice__kafka__20230514T214910.872-0400",
		"Shresth72__distributed_systems_jepsen__txn-rw-register__20240919T143430.100+0530",
	} {
		dir := filepath.Join(runs, name)
		h, err := history.ReadStoreHistory(dir)
		require.NoError(b, err)
		s, err := loadSettings(dir)
		require.NoError(b, err)
		b.Run(s.Workload+"/read", func(b *testing.B) {
			for b.Loop() {
				if _, err := history.ReadStoreHistory(dir); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(s.Workload+"/stats+availability+latency", func(b *testing.B) {
			for b.Loop() {
				check.MaelstromStats(h)
				check.Availability(h, check.AvailabilityTarget{})
				check.Latency(h, nil)
			}
		})
		b.Run(s.Workload+"/workload", func(b *testing.B) {
			for b.Loop() {
				if _, err := runWorkload(s, h, registryLookup); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestSameValue(t *testing.T) {
	assert.True(t, sameValue(0.0, int64(0)))
	assert.True(t, sameValue([]any{int64(1), "a"}, []any{1.0, "a"}))
	assert.True(t, sameValue(nil, []any{}))
	assert.True(t, sameValue(map[string]any{}, nil))
	assert.True(t, sameValue(map[string]any{"0.5": int64(3)}, map[string]any{"0.5": 3.0}))
	assert.False(t, sameValue(int64(93), int64(92)))
	assert.False(t, sameValue([]any{int64(1)}, []any{int64(1), int64(2)}))
	assert.False(t, sameValue([]any{int64(1)}, nil))
	assert.False(t, sameValue(map[string]any{"a": int64(1)}, map[string]any{"b": int64(1)}))
	assert.False(t, sameValue("x", nil))

	var rec recorder
	compareFigures(&rec, []string{"lost-count"}, check.Verdict{}, map[string]any{"lost-count": int64(3)})
	assert.True(t, rec.failed, "a figure missing on our side is a difference")
	rec = recorder{}
	compareFigures(&rec, []string{"valid?", "absent"}, check.Verdict{}, map[string]any{"valid?": true})
	assert.False(t, rec.failed, "keys results.edn lacks are skipped")
}

type recorder struct{ failed bool }

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true }

func TestFromRegistry(t *testing.T) {
	none := FromRegistry(func(string) (workload.Factory, bool) { return nil, false })
	_, err := none("nope", workload.Options{})
	assert.ErrorContains(t, err, `unknown workload "nope"`)
	one := FromRegistry(func(string) (workload.Factory, bool) {
		return func(workload.Options) (workload.Workload, error) { return stubWorkload{check.Valid}, nil }, true
	})
	w, err := one("stub", workload.Options{})
	require.NoError(t, err)
	assert.Equal(t, check.Valid, w.Check(nil).Validity())
}
