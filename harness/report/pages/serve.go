package pages

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"glomers/harness/check"
	"glomers/harness/report/runrow"
)

// Store browsing for `harness serve`, Maelstrom's `serve` in our terms: one
// page listing every run of a store directory, newest first, with its
// headline figures and links to its files, and the store's files served
// as they are. Only the standard library: the page is plain HTML with a
// GET form for the filters, so it works without scripts.

// StoreRun is one run of a store as the listing shows it.
type StoreRun struct {
	// Path is the run's directory relative to the store, with slashes
	// (broadcast/20251202T010203.456).
	Path    string
	Started time.Time
	Row     runrow.Row
	// Err is why the run's results could not be read ("" when they were).
	Err string
	// Files are the links shown for the run, those that exist.
	Files []storeLink
}

type storeLink struct {
	Name, Href string
}

// runFiles are the files of a run linked from the listing, in the order
// shown, with the name the link carries; the first that exists of
// history.jsonl and history.edn is linked as "history".
var runFiles = []struct{ file, name string }{
	{IndexFile, "index"},
	{"results.json", "results"},
	{"results.edn", "results"},
	{LatencyRawFile, "latency"},
	{LatencyQuantilesFile, "quantiles"},
	{RateFile, "rate"},
	{MessagesFile, "messages"},
	{"history.jsonl", "history"},
	{"history.edn", "history"},
	{"node-logs", "node logs"},
}

// Store lists and serves a store directory. It caches each run's row by
// the modification time of its results file, so that listing a large
// store again costs a stat per run.
type Store struct {
	Dir string

	mu    sync.Mutex
	cache map[string]cachedRow
}

type cachedRow struct {
	mod time.Time
	row runrow.Row
	err string
}

// NewStore serves dir.
func NewStore(dir string) *Store {
	return &Store{Dir: dir, cache: map[string]cachedRow{}}
}

// stampLayout is the name run.makeStoreDir gives a run's directory (a
// numeric suffix may follow); Maelstrom's stores use the ISO form.
const stampLayout = "20060102T150405.000"

// Runs finds every run of the store: the directories two levels down
// (<workload>/<time>) that hold results.json, results.edn or
// history.jsonl, newest first. The latest links are skipped.
func (s *Store) Runs() ([]StoreRun, error) {
	tops, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, err
	}
	var runs []StoreRun
	for _, top := range tops {
		if !top.IsDir() {
			continue
		}
		subs, err := os.ReadDir(filepath.Join(s.Dir, top.Name()))
		if err != nil {
			continue
		}
		for _, sub := range subs {
			if !sub.IsDir() {
				continue
			}
			if r, ok := s.readRun(top.Name(), sub); ok {
				runs = append(runs, r)
			}
		}
	}
	sort.SliceStable(runs, func(i, j int) bool {
		if !runs[i].Started.Equal(runs[j].Started) {
			return runs[i].Started.After(runs[j].Started)
		}
		return runs[i].Path > runs[j].Path
	})
	return runs, nil
}

func (s *Store) readRun(workload string, sub os.DirEntry) (StoreRun, bool) {
	rel := workload + "/" + sub.Name()
	dir := filepath.Join(s.Dir, workload, sub.Name())
	run := StoreRun{Path: rel}
	var results os.FileInfo
	for _, name := range []string{"results.json", "results.edn"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			results = fi
			break
		}
	}
	if results == nil {
		if _, err := os.Stat(filepath.Join(dir, "history.jsonl")); err != nil {
			return run, false
		}
	}
	run.Started = startTime(sub)
	if results == nil {
		run.Row = runrow.Empty(dir)
		run.Row.Workload = workload
		run.Err = "no results (the test did not finish?)"
	} else {
		run.Row, run.Err = s.row(dir, results.ModTime())
		if run.Row.Workload == "" {
			run.Row.Workload = workload
		}
	}
	seen := map[string]bool{}
	for _, f := range runFiles {
		if seen[f.name] {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, f.file)); err == nil {
			seen[f.name] = true
			href := path.Join("/runs", rel, f.file)
			if f.file == "node-logs" {
				href += "/"
			}
			run.Files = append(run.Files, storeLink{f.name, href})
		}
	}
	return run, true
}

// startTime reads the run's start from its directory name, or falls back
// to the directory's modification time.
func startTime(sub os.DirEntry) time.Time {
	name := sub.Name()
	if len(name) >= len(stampLayout) {
		if t, err := time.ParseInLocation(stampLayout, name[:len(stampLayout)], time.Local); err == nil {
			return t
		}
	}
	if t, err := time.Parse("20060102T150405.000Z0700", name); err == nil {
		return t
	}
	if fi, err := sub.Info(); err == nil {
		return fi.ModTime()
	}
	return time.Time{}
}

func (s *Store) row(dir string, mod time.Time) (runrow.Row, string) {
	s.mu.Lock()
	c, ok := s.cache[dir]
	s.mu.Unlock()
	if ok && c.mod.Equal(mod) {
		return c.row, c.err
	}
	row, err := runrow.ReadRow(dir)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	s.mu.Lock()
	s.cache[dir] = cachedRow{mod: mod, row: row, err: msg}
	s.mu.Unlock()
	return row, msg
}

// Handler serves the listing at / and the store's files under /runs/.
func (s *Store) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/runs/", http.StripPrefix("/runs/", http.FileServer(http.Dir(s.Dir))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		runs, err := s.Runs()
		if err != nil {
			http.Error(w, "cannot read the store: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := writeListing(w, s.Dir, runs, r.URL.Query().Get("workload"), r.URL.Query().Get("verdict")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	return mux
}

type listingRow struct {
	Path, Workload, Started, Verdict string
	Nodes, MsgsPerOp, OKFraction     string
	Err                              string
	Files                            []storeLink
}

type listing struct {
	Store             string
	Workloads         []string
	Verdicts          []string
	Workload, Verdict string
	Rows              []listingRow
	Total             int
}

func writeListing(w io.Writer, store string, runs []StoreRun, workload, verdict string) error {
	l := listing{Store: store, Workload: workload, Verdict: verdict, Total: len(runs),
		Verdicts: []string{check.Valid.String(), check.Invalid.String(), check.Unknown.String()}}
	seen := map[string]bool{}
	for _, r := range runs {
		if !seen[r.Row.Workload] {
			seen[r.Row.Workload] = true
			l.Workloads = append(l.Workloads, r.Row.Workload)
		}
		if workload != "" && r.Row.Workload != workload {
			continue
		}
		if verdict != "" && r.Row.Verdict.String() != verdict {
			continue
		}
		started := "-"
		if !r.Started.IsZero() {
			started = r.Started.Format("2006-01-02 15:04:05")
		}
		l.Rows = append(l.Rows, listingRow{
			Path: r.Path, Workload: r.Row.Workload, Started: started, Verdict: r.Row.Verdict.String(),
			Nodes: figure(r.Row.Nodes, "%.0f"), MsgsPerOp: figure(r.Row.MsgsPerOpServers, "%.2f"),
			OKFraction: figure(r.Row.OKFraction, "%.4g"), Err: r.Err, Files: r.Files,
		})
	}
	sort.Strings(l.Workloads)
	return listingTemplate.Execute(w, l)
}

func figure(f float64, format string) string {
	if math.IsNaN(f) {
		return "-"
	}
	return fmt.Sprintf(format, f)
}

// Serve runs the store's server on addr until it fails; ready, when not
// nil, is told the address actually listened on (addr may end in :0).
func Serve(dir, addr string, ready func(addr string)) error {
	if fi, err := os.Stat(dir); err != nil {
		return err
	} else if !fi.IsDir() {
		return errors.New(dir + " is not a directory")
	}
	srv := &http.Server{Addr: addr, Handler: NewStore(dir).Handler(), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	return srv.Serve(ln)
}

var listingTemplate = template.Must(template.New("listing").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>runs in {{.Store}}</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; font-size: 0.92em; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.v-true, td.v-false, td.v-unknown { color: white; font-weight: bold; text-align: center; }
.v-true { background: #2a8a3a; } .v-false { background: #c62828; } .v-unknown { background: #e08a00; }
.err { color: #c62828; }
form { margin: 1em 0; }
</style>
</head>
<body>
<h1>Runs in {{.Store}}</h1>
<form method="get" action="/">
<label>workload <select name="workload"><option value="">all</option>{{range .Workloads}}<option{{if eq . $.Workload}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>valid? <select name="verdict"><option value="">all</option>{{range .Verdicts}}<option{{if eq . $.Verdict}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<button type="submit">filter</button>
</form>
<p id="count">{{len .Rows}} of {{.Total}} runs, newest first.</p>
<table id="runs">
<tr><th>started</th><th>workload</th><th>nodes</th><th>valid?</th><th>msgs per op (servers)</th><th>availability (ok fraction)</th><th>files</th></tr>
{{range .Rows}}<tr class="run" data-path="{{.Path}}"><td>{{.Started}}</td><td>{{.Workload}}</td><td class="num">{{.Nodes}}</td><td class="v-{{.Verdict}}">{{.Verdict}}</td><td class="num">{{.MsgsPerOp}}</td><td class="num">{{.OKFraction}}</td><td>{{range $i, $f := .Files}}{{if $i}} · {{end}}<a href="{{$f.Href}}">{{$f.Name}}</a>{{end}}{{if .Err}} <span class="err">{{.Err}}</span>{{end}}</td></tr>
{{end}}</table>
</body>
</html>
`))
