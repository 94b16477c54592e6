package run_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/harness/netsim"
	"glomers/harness/registry"
	"glomers/harness/report"
	"glomers/harness/run"
	"glomers/harness/service"
	"glomers/internal/harnesstest"
	"glomers/internal/testbin"
)

func TestEchoIsValid(t *testing.T) {
	cfg := harnesstest.Config("echo", testbin.Build(t, "./echo"))
	cfg.MainPhaseProcs = 1 // as the CLI runs it
	procs := runtime.GOMAXPROCS(0)
	out, v, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, check.Valid, v)
	assert.Equal(t, procs, runtime.GOMAXPROCS(0), "GOMAXPROCS restored after the main phase")
	ops := countInvokes(out.History)
	assert.Greater(t, ops, 40, "rate 50 for 2 s")
	// Every echo is one request and one reply, and init adds two messages per node.
	assert.EqualValues(t, 2*ops+2*3, out.Net.All.MsgCount)
	assert.EqualValues(t, 0, out.Net.Servers.MsgCount)
	for _, f := range []string{"history.jsonl", "net-journal.jsonl", "test.json"} {
		assert.FileExists(t, filepath.Join(out.StoreDir, f))
	}
	recorded, err := os.Open(filepath.Join(out.StoreDir, "history.jsonl"))
	require.NoError(t, err)
	defer recorded.Close()
	back, err := history.ReadJSONLines(recorded)
	require.NoError(t, err)
	assert.Equal(t, out.History, back, "the streamed history reads back as the one kept")
	assert.NoFileExists(t, filepath.Join(out.StoreDir, "history.jsonl.part"))
	assert.FileExists(t, filepath.Join(out.StoreDir, "node-logs", "n2.log"))
}

func TestUniqueIDsUnderPartitionsIsValidAndTotallyAvailable(t *testing.T) {
	cfg := harnesstest.Config("unique-ids", testbin.Build(t, "./unique-ids"))
	cfg.Rate = 500
	cfg.Nemesis = []string{"partition"}
	cfg.Availability = "total"
	cfg.NemesisInterval = 300 * time.Millisecond
	out, v, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, check.Valid, v)
	starts := 0
	for _, o := range out.History {
		if o.F == "start-partition" {
			starts++
		}
	}
	assert.Positive(t, starts, "the nemesis partitioned the network")
}

func TestGarbledEchoIsInvalid(t *testing.T) {
	// Answers init, then echoes the wrong thing.
	bin := testbin.Script(t, "garbled-echo", `
while IFS= read -r line; do
  src=$(printf '%s' "$line" | sed -n 's/.*"src":"\([^"]*\)".*/\1/p')
  dest=$(printf '%s' "$line" | sed -n 's/.*"dest":"\([^"]*\)".*/\1/p')
  id=$(printf '%s' "$line" | sed -n 's/.*"msg_id":\([0-9]*\).*/\1/p')
  case "$line" in
    *'"type":"init"'*) printf '{"src":"%s","dest":"%s","body":{"type":"init_ok","in_reply_to":%s}}\n' "$dest" "$src" "$id" ;;
    *) printf '{"src":"%s","dest":"%s","body":{"type":"echo_ok","echo":"garbled","in_reply_to":%s}}\n' "$dest" "$src" "$id" ;;
  esac
done`)
	cfg := harnesstest.Config("echo", bin)
	cfg = harnesstest.WithNodes(cfg, 1, 1)
	cfg.TimeLimit = time.Second
	_, v, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, check.Invalid, v)
}

func TestNodeThatNeverAnswersInitIsASetupErrorNamingIt(t *testing.T) {
	bin := testbin.Script(t, "silent", "exec cat >/dev/null\n")
	cfg := harnesstest.Config("echo", bin)
	cfg.InitTimeout = 300 * time.Millisecond
	_, _, err := harnesstest.Run(t, cfg)
	var se *run.SetupError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, err.Error(), "n0")
	assert.Contains(t, err.Error(), "did not respond")
}

func TestMissingBinaryIsASetupError(t *testing.T) {
	cfg := harnesstest.Config("echo", filepath.Join(t.TempDir(), "nope"))
	_, _, err := harnesstest.Run(t, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope")
}

func TestCrashingNodeIsReportedAndInvalid(t *testing.T) {
	// Answers init, then dies on the first request.
	bin := testbin.Script(t, "crasher", `
IFS= read -r line
src=$(printf '%s' "$line" | sed -n 's/.*"src":"\([^"]*\)".*/\1/p')
dest=$(printf '%s' "$line" | sed -n 's/.*"dest":"\([^"]*\)".*/\1/p')
id=$(printf '%s' "$line" | sed -n 's/.*"msg_id":\([0-9]*\).*/\1/p')
printf '{"src":"%s","dest":"%s","body":{"type":"init_ok","in_reply_to":%s}}\n' "$dest" "$src" "$id"
IFS= read -r line
echo "dying now" >&2
exit 3`)
	cfg := harnesstest.Config("echo", bin)
	cfg = harnesstest.WithNodes(cfg, 1, 1)
	cfg.TimeLimit = time.Second
	out, v, err := harnesstest.Run(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, check.Invalid, v)
	require.Len(t, out.Nodes, 1)
	assert.True(t, out.Nodes[0].Exited)
	assert.Contains(t, out.Nodes[0].ExitStatus, "3")
	assert.Contains(t, out.Nodes[0].StderrTail, "dying now")
}

func TestGarbageOnStdoutIsReportedButTheNodeKeepsWorking(t *testing.T) {
	bin := testbin.Script(t, "noisy", `
while IFS= read -r line; do
  src=$(printf '%s' "$line" | sed -n 's/.*"src":"\([^"]*\)".*/\1/p')
  dest=$(printf '%s' "$line" | sed -n 's/.*"dest":"\([^"]*\)".*/\1/p')
  id=$(printf '%s' "$line" | sed -n 's/.*"msg_id":\([0-9]*\).*/\1/p')
  echo "debug: got a message"
  case "$line" in
    *'"type":"init"'*) printf '{"src":"%s","dest":"%s","body":{"type":"init_ok","in_reply_to":%s}}\n' "$dest" "$src" "$id" ;;
  esac
done`)
	cfg := harnesstest.Config("unique-ids", bin)
	cfg = harnesstest.WithNodes(cfg, 1, 1)
	cfg.TimeLimit = 500 * time.Millisecond
	out, v, err := harnesstest.Run(t, cfg)
	require.NoError(t, err, "init still succeeds past the garbage")
	assert.Equal(t, check.Invalid, v)
	assert.Positive(t, out.Nodes[0].GarbageCount)
	assert.Contains(t, out.Nodes[0].GarbageSample[0], "debug: got a message")
}

func countInvokes(h history.History) int {
	n := 0
	for _, o := range h {
		if o.IsClient() && o.IsInvoke() {
			n++
		}
	}
	return n
}

func TestNodeThatExitsBeforeInitIsReportedAtOnce(t *testing.T) {
	bin := testbin.Script(t, "dies", "echo 'panic: no config file' >&2\nexit 5\n")
	cfg := harnesstest.Config("echo", bin)
	cfg.InitTimeout = 10 * time.Second
	start := time.Now()
	_, _, err := harnesstest.Run(t, cfg)
	assert.Less(t, time.Since(start), 5*time.Second, "not the init timeout")
	var se *run.SetupError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, err.Error(), "node n0 exited before it answered init (exit status 5); the last line of its stderr: panic: no config file")
}

func TestCatIsToldItEchoesItsInput(t *testing.T) {
	cfg := harnesstest.Config("echo", testbin.Script(t, "cat", "exec cat\n"))
	cfg.InitTimeout = 10 * time.Second
	start := time.Now()
	_, _, err := harnesstest.Run(t, cfg)
	assert.Less(t, time.Since(start), 5*time.Second, "not the init timeout")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "node n0 did not answer init: n0 wrote back a message it was sent, from c")
	assert.Contains(t, err.Error(), "as `cat` would")
}

func TestWrongSrcInInitIsTold(t *testing.T) {
	// Replies to init as "n9" instead of itself.
	bin := testbin.Script(t, "wrong-src", `
IFS= read -r line
src=$(printf '%s' "$line" | sed -n 's/.*"src":"\([^"]*\)".*/\1/p')
id=$(printf '%s' "$line" | sed -n 's/.*"msg_id":\([0-9]*\).*/\1/p')
printf '{"src":"n9","dest":"%s","body":{"type":"init_ok","in_reply_to":%s}}\n' "$src" "$id"
exec cat >/dev/null`)
	cfg := harnesstest.WithNodes(harnesstest.Config("echo", bin), 1, 1)
	_, _, err := harnesstest.Run(t, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `n0 sent messages with src "n9" instead of its own id "n0"`)
}

// Env.Fold sees every op of the history once, in the shared analyses'
// pass: the kafka checker's second pass (the history read from the
// store), or Report's own (echo, the history in memory), however often
// Report is called; and Report's analyses are the same either way.
func TestEnvFoldSeesTheHistoryOnce(t *testing.T) {
	for _, w := range []struct{ workload, bin string }{{"echo", "./echo"}, {"kafka", "./kafka"}} {
		t.Run(w.workload, func(t *testing.T) {
			cfg := harnesstest.Config(w.workload, testbin.Build(t, w.bin))
			cfg.Store = t.TempDir()
			var seen []int
			out, err := run.Run(context.Background(), cfg, run.Env{
				Workloads: registry.Get,
				Services:  func(net *netsim.Network, seed uint64) run.Stopper { return service.Start(net, seed) },
				Fold: func(o *history.Op, _ []byte) error {
					seen = append(seen, o.Index)
					return nil
				},
			})
			require.NoError(t, err)
			first := run.Report(out, nil)
			second := run.Report(out, nil)
			assert.Equal(t, check.Valid, first.Valid)
			ops, err := out.Ops()
			require.NoError(t, err)
			require.Len(t, seen, len(ops))
			for i := range seen {
				require.Equal(t, i, seen[i], "in order, once each")
			}
			assert.Equal(t, first.Stats, second.Stats)
			alone, err := report.Analyse(out.Source, check.AvailabilityTarget{}, nil)
			require.NoError(t, err)
			assert.Equal(t, alone.Stats, first.Stats)
			assert.Equal(t, alone.Perf, first.Perf)
		})
	}
}
