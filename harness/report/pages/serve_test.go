package pages

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	storeSrcOnce sync.Once
	storeSrc     string
	storeSrcErr  error
)

// storeSources renders the broadcast and g-counter test stores once (their
// plots take a while), and makes an invalid copy of the broadcast one.
func storeSources(tb testing.TB) string {
	tb.Helper()
	storeSrcOnce.Do(func() {
		storeSrc, storeSrcErr = os.MkdirTemp("", "serve-test")
		if storeSrcErr != nil {
			return
		}
		for _, name := range []string{"broadcast", "gcounter-partition"} {
			dst := filepath.Join(storeSrc, name)
			if storeSrcErr = copyDir(filepath.Join("testdata", name), dst); storeSrcErr != nil {
				return
			}
			if storeSrcErr = WriteExtras(dst); storeSrcErr != nil {
				return
			}
		}
		bad := filepath.Join(storeSrc, "broadcast-invalid")
		if storeSrcErr = copyDir(filepath.Join(storeSrc, "broadcast"), bad); storeSrcErr != nil {
			return
		}
		var res map[string]any
		b, err := os.ReadFile(filepath.Join(bad, "results.json"))
		if storeSrcErr = err; err != nil {
			return
		}
		if storeSrcErr = json.Unmarshal(b, &res); storeSrcErr != nil {
			return
		}
		res["valid?"] = false
		res["workload"].(map[string]any)["valid?"] = false
		res["explanations"] = []string{"element 7 was lost."}
		b, _ = json.Marshal(res)
		if storeSrcErr = os.WriteFile(filepath.Join(bad, "results.json"), b, 0o644); storeSrcErr != nil {
			return
		}
		storeSrcErr = WriteExtras(bad)
	})
	require.NoError(tb, storeSrcErr)
	return storeSrc
}

// makeStore lays out n runs as `harness test` does, store/<workload>/<time>:
// broadcast and g-counter runs in turn, every third broadcast run invalid,
// one minute apart (run i started i minutes after the first), plus the
// latest links.
func makeStore(tb testing.TB, n int) string {
	tb.Helper()
	src := storeSources(tb)
	store := tb.TempDir()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)
	for i := 0; i < n; i++ {
		name, workload := "gcounter-partition", "g-counter"
		if i%2 == 0 {
			name, workload = "broadcast", "broadcast"
			if i%3 == 0 {
				name = "broadcast-invalid"
			}
		}
		dir := filepath.Join(store, workload, start.Add(time.Duration(i)*time.Minute).Format(stampLayout))
		require.NoError(tb, copyDir(filepath.Join(src, name), dir))
		os.Remove(filepath.Join(store, workload, "latest"))
		require.NoError(tb, os.Symlink(filepath.Base(dir), filepath.Join(store, workload, "latest")))
	}
	return store
}

func fetchPage(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServeListsRunsNewestFirst(t *testing.T) {
	store := makeStore(t, 4)
	// A run that never finished (no results), one whose results are
	// garbage, and a stray file: listed, listed with the error, ignored.
	unfinished := filepath.Join(store, "echo", "20260101T000000.000")
	require.NoError(t, os.MkdirAll(unfinished, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(unfinished, "history.jsonl"), nil, 0o644))
	garbled := filepath.Join(store, "echo", "20260101T000001.000")
	require.NoError(t, os.MkdirAll(garbled, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(garbled, "results.json"), []byte("{"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(store, "notes.txt"), []byte("x"), 0o644))

	runs, err := NewStore(store).Runs()
	require.NoError(t, err)
	var paths []string
	for _, r := range runs {
		paths = append(paths, r.Path)
	}
	assert.Equal(t, []string{
		"g-counter/20260102T030705.000", "broadcast/20260102T030605.000",
		"g-counter/20260102T030505.000", "broadcast/20260102T030405.000",
		"echo/20260101T000001.000", "echo/20260101T000000.000",
	}, paths, "newest first; latest links skipped")
	assert.Equal(t, "false", runs[3].Row.Verdict.String())
	assert.Equal(t, float64(5), runs[1].Row.Nodes)
	assert.Contains(t, runs[4].Err, "results.json")
	assert.Equal(t, "no results (the test did not finish?)", runs[5].Err)

	srv := httptest.NewServer(NewStore(store).Handler())
	defer srv.Close()
	code, page := fetchPage(t, srv, "/")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, `<p id="count">6 of 6 runs, newest first.</p>`)
	assert.Contains(t, page, `<a href="/runs/broadcast/20260102T030405.000/index.html">index</a>`)
	for _, f := range []string{"latency-raw.png", "latency-quantiles.png", "rate.png", "messages.svg", "history.jsonl"} {
		assert.Contains(t, page, `/runs/broadcast/20260102T030405.000/`+f, f)
	}
	assert.Contains(t, page, `<td class="v-false">false</td>`)

	code, page = fetchPage(t, srv, "/?workload=broadcast&verdict=false")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, `<p id="count">1 of 6 runs, newest first.</p>`)
	assert.Contains(t, page, `data-path="broadcast/20260102T030405.000"`)
	assert.Contains(t, page, `<option selected>broadcast</option>`)

	code, page = fetchPage(t, srv, "/?workload=g-counter")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, `<p id="count">2 of 6 runs, newest first.</p>`)

	// The run's own files are served as they are.
	code, page = fetchPage(t, srv, "/runs/broadcast/20260102T030405.000/index.html")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, "element 7 was lost.")
	code, _ = fetchPage(t, srv, "/runs/broadcast/20260102T030405.000/messages.svg")
	assert.Equal(t, http.StatusOK, code)
	code, _ = fetchPage(t, srv, "/runs/../../etc/passwd")
	assert.NotEqual(t, http.StatusOK, code)
	code, _ = fetchPage(t, srv, "/nothing")
	assert.Equal(t, http.StatusNotFound, code)
}

func TestServeMissingStore(t *testing.T) {
	err := Serve(filepath.Join(t.TempDir(), "none"), "127.0.0.1:0", nil)
	assert.Error(t, err)
	srv := httptest.NewServer(NewStore(filepath.Join(t.TempDir(), "none")).Handler())
	defer srv.Close()
	code, page := fetchPage(t, srv, "/")
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Contains(t, page, "cannot read the store")
}

// BenchmarkServeList lists a store of 50 runs through the handler: cold
// (a new server, every results.json read) and warm (rows cached by
// modification time). docs/results.md records the figures.
func BenchmarkServeList(b *testing.B) {
	store := makeStore(b, 50)
	list := func(h http.Handler) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "50 of 50 runs") {
			b.Fatalf("listing failed: %d %s", rec.Code, rec.Body.String())
		}
	}
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			list(NewStore(store).Handler())
		}
	})
	b.Run("warm", func(b *testing.B) {
		h := NewStore(store).Handler()
		list(h)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			list(h)
		}
	})
}

func ExampleStore_Runs() {
	// A store is what `harness test` writes: store/<workload>/<time>/.
	store, _ := os.MkdirTemp("", "store")
	defer os.RemoveAll(store)
	run := filepath.Join(store, "echo", "20260102T030405.000")
	os.MkdirAll(run, 0o755)
	os.WriteFile(filepath.Join(run, "results.json"), []byte(`{"valid?":true,"test":{"workload":"echo","nodes":["n0"]}}`), 0o644)
	runs, _ := NewStore(store).Runs()
	for _, r := range runs {
		fmt.Println(r.Path, r.Row.Workload, r.Row.Nodes, r.Row.Verdict)
	}
	// Output: echo/20260102T030405.000 echo 1 true
}
