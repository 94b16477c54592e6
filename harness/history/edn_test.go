package history

import (
	"bufio"
	"bytes"
	"glomers/internal/testbin"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadEDNLines(t *testing.T) {
	src := `{:index 0, :time 7619388, :type :invoke, :process 0, :f :read, :value nil}
{:index 1, :time 14111571, :type :ok, :process 0, :f :read, :value 0}
{:type :info, :f :cas, :value [0 [0 3]], :time 48365390, :process 4, :error [:unknown "not found"], :index 2}
{:index 3, :time 5029681838, :type :info, :process 1, :f :txn, :value [[:r 9 nil] [:w 9 1]], :error :net-timeout}
{:index 4, :time 30002072774, :type :ok, :process 0, :f :read, :value 1325, :final? true}
#jepsen.history.Op{:index 5, :time 6, :type :ok, :process 3, :f :poll, :value [[:poll {"9" [[0 1] [1 2]]}]], :poll-ms 1000}
`
	h, err := ReadEDN(strings.NewReader(src))
	require.NoError(t, err)
	require.Len(t, h, 6)

	assert.Equal(t, Op{Index: 0, Time: 7619388, Type: Invoke, Process: 0, F: "read"}, h[0])
	assert.Equal(t, int64(0), h[1].Value)
	assert.Equal(t, []any{int64(0), []any{int64(0), int64(3)}}, h[2].Value)
	assert.Equal(t, []any{"unknown", "not found"}, h[2].Error)
	assert.Equal(t, []any{[]any{"r", int64(9), nil}, []any{"w", int64(9), int64(1)}}, h[3].Value)
	assert.Equal(t, "net-timeout", h[3].Error)
	assert.True(t, h[4].Final)
	assert.False(t, h[3].Final)
	assert.Equal(t, int64(30002072774), h[4].Time)
	assert.Equal(t, []any{[]any{"poll", map[string]any{"9": []any{
		[]any{int64(0), int64(1)}, []any{int64(1), int64(2)}}}}}, h[5].Value)
}

func TestReadEDNVectorAndNemesis(t *testing.T) {
	f, err := os.Open("testdata/vector.edn")
	require.NoError(t, err)
	defer f.Close()
	h, err := ReadEDN(f)
	require.NoError(t, err)
	require.Len(t, h, 4)
	for i, o := range h {
		assert.Equal(t, i, o.Index, "ops without :index are indexed by position")
	}
	assert.Equal(t, NemesisProcess, h[0].Process)
	assert.False(t, h[0].IsClient())
	assert.Equal(t, "start-partition", h[1].F)
	assert.Equal(t, []any{"isolated", map[string]any{"n1": []any{"n2", "n3"}}}, h[1].Value)
	assert.Len(t, h.Client(), 2)
	assert.Len(t, h.Pairs(), 1)
}

func TestReadEDNErrors(t *testing.T) {
	for name, src := range map[string]string{
		"bad type":    `{:type :maybe, :process 0, :f :read}`,
		"bad process": `{:type :ok, :process :someone, :f :read}`,
		"not a map":   `[1 2]`,
		"syntax":      `{:type :ok, :process 0`,
	} {
		_, err := ReadEDN(strings.NewReader(src))
		assert.Error(t, err, name)
	}
	h, err := ReadEDN(strings.NewReader(""))
	require.NoError(t, err)
	assert.Empty(t, h)
}

func TestReadEDNValueClojureSyntax(t *testing.T) {
	f, err := os.Open("testdata/clojure.edn")
	require.NoError(t, err)
	defer f.Close()
	v, err := ReadEDNValue(f)
	require.NoError(t, err)
	m, ok := AsMap(v)
	require.True(t, ok)

	assert.InDelta(t, 1.0/3, m["ratio"], 1e-12)
	assert.Equal(t, int64(2), m["whole"])
	assert.Equal(t, -0.75, m["neg"])
	assert.InDelta(t, 1.2345678901234568e29, m["big"], 1e15)
	assert.Equal(t, int64(7), m["small"])
	assert.Equal(t, 1.5, m["dec"])
	assert.Equal(t, map[string]any{"tag": "object", "value": []any{
		"clojure.lang.Atom", int64(0x1f2e3d4c), map[string]any{"status": "ready", "val": int64(1)}}}, m["hex"])
	assert.Equal(t, int64(5), m["radix"])
	assert.Equal(t, int64(15), m["octal"])
	assert.True(t, math.IsInf(m["inf"].(float64), 1))
	assert.True(t, math.IsInf(m["ninf"].(float64), -1))
	assert.Equal(t, `a\d+\"b`, m["re"])
	assert.Equal(t, "a", m["char"])
	assert.Equal(t, "\n", m["newline"])
	assert.Equal(t, `"`, m["quote"])
	assert.Equal(t, []any{int64(1), int64(2), int64(3)}, m["set"])
	assert.Equal(t, map[string]any{"1": "one", "0.5": "half", "k/ns": "x", "s": nil, "[1,2]": "vec"}, m["keys"])
	assert.Equal(t, map[string]any{"value": int64(4)}, m["rec"])
	assert.Equal(t, "2024-01-02T03:04:05Z", m["inst"])
	assert.Equal(t, "8c5a1c8e-0000-0000-0000-000000000000", m["uuid"])
	assert.Equal(t, `a "quoted" ; not a comment 0x10 1/2`, m["s"])
	assert.Equal(t, true, m["valid?"])

	_, err = ReadEDNValue(strings.NewReader("1 2"))
	assert.Error(t, err)
	_, err = ReadEDNValue(strings.NewReader(" "))
	assert.Error(t, err)
}

func TestRewriteEDNLeavesPlainInputAlone(t *testing.T) {
	src := []byte(`{:a 1, :b "0x10 1/2 ##Inf", :c \x, :d -0.5, :e 0, :f 0.25, :g 1e-3, :h a/b}`)
	out := rewriteEDN(src)
	assert.Equal(t, &src[0], &out[0], "no copy when nothing needs rewriting")
}

// TestReadEDNRealRuns reads every history.edn and results.edn Maelstrom
// wrote (several Maelstrom versions) and checks the ops against the lines.
func TestReadEDNRealRuns(t *testing.T) {
	runs := testbin.MaelstromRuns(t)
	files, err := filepath.Glob(filepath.Join(runs, "*", "history.edn"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file))
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			if len(src) > 1<<20 && raceEnabled {
				t.Skip("large history skipped under the race detector")
			}
			start := time.Now()
			h, err := ReadEDN(bytes.NewReader(src))
			require.NoError(t, err)
			t.Logf("%d ops, %d bytes in %v", len(h), len(src), time.Since(start))

			lines := 0
			sc := bufio.NewScanner(bytes.NewReader(src))
			sc.Buffer(nil, 1<<24)
			for sc.Scan() {
				if len(bytes.TrimSpace(sc.Bytes())) > 0 {
					lines++
				}
			}
			assert.Equal(t, lines, len(h), "one op per line")
			invokes, completions := 0, 0
			for i, o := range h {
				require.Equal(t, i, o.Index)
				if i > 0 {
					require.GreaterOrEqual(t, o.Time, h[i-1].Time, "op %d", i)
				}
				require.NotEmpty(t, o.F)
				if o.IsInvoke() {
					invokes++
				} else {
					completions++
				}
			}
			assert.GreaterOrEqual(t, invokes, completions)

			rf, err := os.Open(filepath.Join(filepath.Dir(file), "results.edn"))
			require.NoError(t, err)
			defer rf.Close()
			res, err := ReadEDNValue(rf)
			require.NoError(t, err)
			_, ok := Get(res, "valid?").(bool)
			assert.True(t, ok, "results.edn has a boolean :valid?")
		})
	}
}

func BenchmarkReadEDN(b *testing.B) {
	runs := testbin.MaelstromRuns(b)
	file := filepath.Join(runs, "Shresth72__distributed_systems_jepsen__txn-rw-register__20240919T143430.100+0530", "history.edn")
	src, err := os.ReadFile(file)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := ReadEDN(bytes.NewReader(src)); err != nil {
			b.Fatal(err)
		}
	}
}
