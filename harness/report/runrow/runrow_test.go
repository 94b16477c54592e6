package runrow

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
)

// The store directories are report/pages' testdata: two runs of our
// harness and a real Maelstrom broadcast run (see its SOURCE.txt).
func pagesData(name string) string { return filepath.Join("..", "pages", "testdata", name) }

// linkStore makes a directory at rel below a temporary root holding links
// to the files of pages' testdata/name, so that the store path names the
// workload as Maelstrom's layout does.
func linkStore(t *testing.T, name, rel string) string {
	t.Helper()
	src, err := filepath.Abs(pagesData(name))
	require.NoError(t, err)
	dst := filepath.Join(t.TempDir(), rel)
	require.NoError(t, os.MkdirAll(dst, 0o755))
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		require.NoError(t, os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())))
	}
	return dst
}

func TestReadRowOurs(t *testing.T) {
	r, err := ReadRow(pagesData("gcounter-partition"))
	require.NoError(t, err)
	assert.Equal(t, "results.json", r.Source)
	assert.Equal(t, "g-counter", r.Workload)
	assert.Equal(t, check.Valid, r.Verdict)
	assert.Equal(t, 3.0, r.Nodes)
	assert.Equal(t, 50.0, r.Rate)
	assert.Equal(t, 3.0, r.TimeLimit)
	assert.Equal(t, "perf", r.LatencyKind)
	assert.Equal(t, r.Perf[1], r.LatMedian)
	assert.Equal(t, r.Perf[4], r.LatMax)
	assert.Greater(t, r.MsgsPerOpServers, 0.0)
	assert.Greater(t, r.MsgsPerOpAll, r.MsgsPerOpServers)
	assert.Equal(t, 1.0, r.OKFraction)
	assert.Greater(t, r.HarnessCPU, 0.0)
	assert.Greater(t, r.AchievedRate, 30.0)
	assert.True(t, math.IsNaN(r.StableMedian))

	b, err := ReadRow(pagesData("broadcast"))
	require.NoError(t, err)
	assert.Equal(t, "stable", b.LatencyKind, "broadcast reports stable latencies")
	assert.Equal(t, b.StableMedian, b.LatMedian)
	assert.Equal(t, b.StableMax, b.LatMax)
	assert.GreaterOrEqual(t, b.StableMax, b.StableMedian)
	assert.False(t, math.IsNaN(b.Perf[1]))
}

func TestReadRowMaelstrom(t *testing.T) {
	dir := linkStore(t, "maelstrom-broadcast", "store/broadcast/20250602T135944.081-0400")
	r, err := ReadRow(dir)
	require.NoError(t, err)
	assert.Equal(t, "results.edn", r.Source)
	assert.Equal(t, "broadcast", r.Workload, "from the store path")
	assert.Equal(t, check.Invalid, r.Verdict)
	// Figures of its results.edn.
	assert.InDelta(t, 4.449761, r.MsgsPerOpServers, 1e-6)
	assert.InDelta(t, 6.5454545, r.MsgsPerOpAll, 1e-6)
	assert.Equal(t, 1.0, r.OKFraction)
	// Every element was lost, so Maelstrom reports no stable latencies:
	// the row falls back to operation latency.
	assert.Equal(t, "perf", r.LatencyKind)
	// Latencies come from history.edn.
	assert.False(t, math.IsNaN(r.Perf[1]))
	assert.False(t, math.IsNaN(r.AchievedRate))
	assert.True(t, math.IsNaN(r.Nodes), "Maelstrom's parameters are not in results.edn")

	var tsv bytes.Buffer
	require.NoError(t, r.WriteTSV(&tsv))
	f := strings.Split(strings.TrimSuffix(tsv.String(), "\n"), "\t")
	require.Len(t, f, len(TSVHeader))
	assert.Equal(t, []string{"false", "4.449761", "perf"}, f[:3])
	assert.Equal(t, "1", f[5])
	assert.Equal(t, dir, f[6])

	_, err = ReadRow(t.TempDir())
	assert.ErrorContains(t, err, "neither results.json nor results.edn")
}

func TestCSVRoundTrip(t *testing.T) {
	a, err := ReadRow(pagesData("gcounter-partition"))
	require.NoError(t, err)
	b, err := ReadRow(pagesData("broadcast"))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteCSV(&buf, true, a, b))
	rows, err := ReadCSV(&buf)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, "g-counter", rows[0]["workload"])
	assert.Equal(t, "3", rows[0]["nodes"])
	assert.Equal(t, "true", rows[0]["verdict"])
	assert.Equal(t, "", rows[0]["stable-latency-median"], "NaN is empty")
	assert.Equal(t, "broadcast", rows[1]["workload"])
	assert.NotEmpty(t, rows[1]["stable-latency-max"])
	assert.NotEmpty(t, rows[1]["harness-cpu"])
	for _, k := range CSVHeader {
		assert.Contains(t, rows[0], k)
	}
}
