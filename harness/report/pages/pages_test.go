package pages

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
)

// The testdata store directories: two runs of our harness (g-counter with
// partitions, broadcast with 20 ms latency; net-journal.jsonl cut to its
// first 1200 events) and a real Maelstrom broadcast run that lost every
// element (see its SOURCE.txt).

// copyStore copies testdata/name into a fresh directory at rel below a
// temporary root and returns its path.
func copyStore(t *testing.T, name, rel string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), rel)
	require.NoError(t, copyDir(filepath.Join("testdata", name), dst))
	return dst
}

var (
	renderOnce sync.Once
	renderDir  string
	renderErr  error
)

// TestMain removes the directory rendered shares.
func TestMain(m *testing.M) {
	code := m.Run()
	if renderDir != "" {
		os.RemoveAll(renderDir)
	}
	os.Exit(code)
}

// rendered returns a fresh copy of testdata/gcounter-partition with its
// pages written. They are drawn once for all tests: drawing is slow under
// the race detector.
func rendered(t *testing.T) string {
	t.Helper()
	renderOnce.Do(func() {
		renderDir, renderErr = os.MkdirTemp("", "pages-test")
		if renderErr != nil {
			return
		}
		renderDir = filepath.Join(renderDir, "run")
		if renderErr = copyDir(filepath.Join("testdata", "gcounter-partition"), renderDir); renderErr == nil {
			renderErr = WriteExtras(renderDir)
		}
	})
	require.NoError(t, renderErr)
	dst := filepath.Join(t.TempDir(), "run")
	require.NoError(t, copyDir(renderDir, dst))
	return dst
}

func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func TestReadRowOurs(t *testing.T) {
	r, err := ReadRow("testdata/gcounter-partition")
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

	b, err := ReadRow("testdata/broadcast")
	require.NoError(t, err)
	assert.Equal(t, "stable", b.LatencyKind, "broadcast reports stable latencies")
	assert.Equal(t, b.StableMedian, b.LatMedian)
	assert.Equal(t, b.StableMax, b.LatMax)
	assert.GreaterOrEqual(t, b.StableMax, b.StableMedian)
	assert.False(t, math.IsNaN(b.Perf[1]))
}

func TestReadRowMaelstrom(t *testing.T) {
	dir := copyStore(t, "maelstrom-broadcast", "store/broadcast/20250602T135944.081-0400")
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
	a, err := ReadRow("testdata/gcounter-partition")
	require.NoError(t, err)
	b, err := ReadRow("testdata/broadcast")
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

func TestWriteExtras(t *testing.T) {
	dir := rendered(t)
	for _, f := range []string{LatencyRawFile, LatencyQuantilesFile, RateFile} {
		fh, err := os.Open(filepath.Join(dir, f))
		require.NoError(t, err, f)
		img, err := png.Decode(fh)
		fh.Close()
		require.NoError(t, err, f)
		assert.Equal(t, 900, img.Bounds().Dx(), f)
		assert.Equal(t, 400, img.Bounds().Dy(), f)
	}
	svg, err := os.ReadFile(filepath.Join(dir, MessagesFile))
	require.NoError(t, err)
	assert.Contains(t, string(svg), ">init<")
	assert.Contains(t, string(svg), ">seq-kv<")

	page, err := os.ReadFile(filepath.Join(dir, IndexFile))
	require.NoError(t, err)
	s := string(page)
	assert.Contains(t, s, `class="verdict v-true">valid? true<`)
	assert.Contains(t, s, "Everything looks good!")
	assert.Contains(t, s, "<li>partition (grey): ")
	for _, f := range []string{LatencyRawFile, LatencyQuantilesFile, RateFile, MessagesFile} {
		assert.Contains(t, s, `src="`+f+`"`)
	}
	assert.NotContains(t, s, "http://", "a static page: nothing from the network")
	assert.NotContains(t, s, "https://")
	assert.Contains(t, s, "final-reads")
	assert.Contains(t, s, "<th>seed</th><td>42</td>", "the seed exactly as written")
	assert.NotContains(t, s, "Not drawn")
}

func TestWriteExtrasInvalidAndMissing(t *testing.T) {
	// A broadcast run whose workload checker found lost elements: the
	// anomalies are shown, opened.
	dir := copyStore(t, "broadcast", "run")
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	var res map[string]any
	require.NoError(t, json.Unmarshal(b, &res))
	res["valid?"] = false
	w := res["workload"].(map[string]any)
	w["valid?"], w["lost"], w["lost-count"] = false, []int{7, 9}, 2
	b, err = json.Marshal(res)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "net-journal.jsonl")))

	err = WriteExtras(dir)
	require.Error(t, err, "the journal is missing")
	page, rerr := os.ReadFile(filepath.Join(dir, IndexFile))
	require.NoError(t, rerr, "index.html is written anyway")
	s := string(page)
	assert.Contains(t, s, `valid? false`)
	assert.Contains(t, s, "Analysis invalid!")
	assert.Contains(t, s, `<details class="anomaly" open><summary><b>lost</b> (2)`)
	assert.Contains(t, s, "Not drawn: the message diagram")
	assert.NotContains(t, s, `src="messages.svg"`)
	assert.Contains(t, s, `src="latency-raw.png"`)
	assert.Contains(t, s, `<tr><th>stable-latencies</th><td>{&#34;0&#34;:0,`, "latency maps are figures, not anomalies")
	assert.Contains(t, s, `<td>{&#34;dist&#34;:&#34;constant&#34;,&#34;mean&#34;:20}</td>`)
}

func TestWriteExtrasNoResults(t *testing.T) {
	dir := copyStore(t, "gcounter-partition", "run")
	require.NoError(t, os.Remove(filepath.Join(dir, "results.json")))
	require.Error(t, WriteExtras(dir))
	page, err := os.ReadFile(filepath.Join(dir, IndexFile))
	require.NoError(t, err)
	assert.Contains(t, string(page), "valid? unknown")
	assert.Contains(t, string(page), "results.json could not be read")
}
