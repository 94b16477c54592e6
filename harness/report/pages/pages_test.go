package pages

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	if storeSrc != "" {
		os.RemoveAll(storeSrc)
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
	res["explanations"] = []string{"Element 7 was lost: <acknowledged> at 1.0 s."}
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
	assert.Contains(t, s, `<li class="explanation">Element 7 was lost: &lt;acknowledged&gt; at 1.0 s.</li>`)
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
