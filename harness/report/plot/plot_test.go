package plot

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"glomers/harness/history"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func op(t float64, typ string, p int, f string) Op {
	return Op{Time: int64(t * 1e9), Type: typ, Process: p, F: f}
}

func TestFromOps(t *testing.T) {
	ops := []Op{
		op(0.1, "invoke", 0, "add"),
		op(0.2, "invoke", 1, "read"),
		op(0.3, "ok", 0, "add"),
		// The harness records each nemesis action twice.
		op(1.0, "info", history.NemesisProcess, "start-partition"),
		op(1.01, "info", history.NemesisProcess, "start-partition"),
		op(1.5, "fail", 1, "read"),
		op(1.6, "invoke", 0, "add"),
		op(2.0, "info", history.NemesisProcess, "stop-partition"),
		op(2.02, "info", history.NemesisProcess, "stop-partition"),
		op(2.5, "info", 0, "add"),
		op(3.0, "info", history.NemesisProcess, "start-partition"),
		op(3.0, "info", history.NemesisProcess, "start-partition"),
		op(4.0, "invoke", 1, "read"), // never completes
	}
	p := FromOps(ops)
	assert.Equal(t, []string{"add", "read"}, p.Fs)
	assert.Equal(t, 4.0, p.End)
	require.Len(t, p.Points, 3)
	assert.Equal(t, Point{Time: 0.1, Latency: 200, Complete: 0.3, F: "add", Type: "ok"}, round(p.Points[0]))
	assert.Equal(t, Point{Time: 0.2, Latency: 1300, Complete: 1.5, F: "read", Type: "fail"}, round(p.Points[1]))
	assert.Equal(t, Point{Time: 1.6, Latency: 900, Complete: 2.5, F: "add", Type: "info"}, round(p.Points[2]))
	// A healed partition, and one still open at the end.
	assert.Equal(t, []Interval{{Start: 1.0, End: 2.02, Fault: "partition"}, {Start: 3.0, End: 4.0, Fault: "partition"}}, p.Nemesis)
}

func nemesisOp(t float64, f, value string) Op {
	o := op(t, "info", history.NemesisProcess, f)
	o.Value = json.RawMessage(value)
	return o
}

// TestFromOpsFaults: pause and kill periods overlap partitions and each
// other; each keeps its own intervals and the nodes it hit.
func TestFromOpsFaults(t *testing.T) {
	ops := []Op{
		nemesisOp(1.0, "pause", `"majority"`),
		nemesisOp(1.0, "pause", `{"n1":"paused","n2":"paused"}`),
		nemesisOp(1.5, "start-partition", `"one"`),
		nemesisOp(1.5, "start-partition", `{"n1":["n2"],"n2":["n1"]}`),
		nemesisOp(2.0, "kill", `null`),
		nemesisOp(2.1, "kill", `{"n1":"killed","n3":"killed","n2":"down"}`),
		nemesisOp(3.0, "resume", `"all"`),
		nemesisOp(3.0, "resume", `{"n1":"down","n2":"resumed","n3":"not-paused"}`),
		nemesisOp(4.0, "start", `"all"`),
		nemesisOp(4.3, "start", `{"n1":"started","n2":"running","n3":"started"}`),
		op(5.0, "invoke", 0, "read"),
	}
	p := FromOps(ops)
	assert.Equal(t, []Interval{
		{Start: 1.0, End: 3.0, Fault: "pause", Targets: []string{"n1", "n2"}},
		{Start: 1.5, End: 5.0, Fault: "partition", Targets: []string{"one"}},
		{Start: 2.0, End: 4.3, Fault: "kill", Targets: []string{"n1", "n3"}},
	}, p.Nemesis)
}

func round(p Point) Point {
	r := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	p.Time, p.Latency, p.Complete = r(p.Time), r(p.Latency), r(p.Complete)
	return p
}

func TestReadOps(t *testing.T) {
	in := `{"index":0,"time":5,"type":"invoke","process":2,"f":"send","value":["k",[1,2,{"deep":true}]]}
# a comment

{"index":1,"time":9,"type":"ok","process":2,"f":"send","value":7,"final?":true}
`
	ops, err := ReadOps(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []Op{{Time: 5, Type: "invoke", Process: 2, F: "send"}, {Time: 9, Type: "ok", Process: 2, F: "send", Final: true}}, ops)
	_, err = ReadOps(strings.NewReader("{oops\n"))
	assert.ErrorContains(t, err, "history line 1")
}

func TestThin(t *testing.T) {
	var pts []Point
	for i := 0; i < 10000; i++ {
		pts = append(pts, Point{Time: float64(i), Latency: float64(i % 100)})
	}
	pts[5000].Latency = 1e6
	out := thin(pts, 1000)
	assert.LessOrEqual(t, len(out), 1100)
	assert.GreaterOrEqual(t, len(out), 900)
	found := false
	for i, p := range out {
		found = found || p.Latency == 1e6
		if i > 0 {
			assert.Less(t, out[i-1].Time, p.Time, "time order kept")
		}
	}
	assert.True(t, found, "the slowest point is kept")
	assert.Len(t, thin(pts[:10], 1000), 10)
}

func TestBucketWidth(t *testing.T) {
	assert.Equal(t, 0.1, BucketWidth(1))
	assert.Equal(t, 0.5, BucketWidth(20))
	assert.Equal(t, 1.0, BucketWidth(30))
	assert.Equal(t, 10.0, BucketWidth(300))
}

// synthetic makes n operations at rate per second over a few fs with some
// failures and infos, and one partition.
func synthetic(n int, rate float64) []Op {
	rng := rand.New(rand.NewPCG(1, 2))
	fs := []string{"send", "poll", "commit_offsets", "list_committed_offsets"}
	var ops []Op
	for i := 0; i < n; i++ {
		t := float64(i) / rate
		p := i % 8
		f := fs[i%len(fs)]
		lat := rng.ExpFloat64() * 2e-3
		typ := "ok"
		switch {
		case i%97 == 0:
			typ = "fail"
		case i%89 == 0:
			typ, lat = "info", 1
		}
		ops = append(ops, op(t, "invoke", p, f), op(t+lat, typ, p, f))
		if i == n/3 {
			ops = append(ops, op(t, "info", history.NemesisProcess, "start-partition"))
		}
		if i == n/2 {
			ops = append(ops, op(t, "info", history.NemesisProcess, "stop-partition"))
		}
	}
	return ops
}

func decodePNG(t *testing.T, path string) (int, int) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img.Bounds().Dx(), img.Bounds().Dy()
}

// A 20 s run at rate 1000 with Maelstrom's doubled history is 40,000
// operations; its three plots must take a second or two.
func TestWritePerfLargeIsFast(t *testing.T) {
	n := 40000
	if raceEnabled {
		// Drawing under the race detector is 30 times slower; the speed
		// is measured without it.
		n = 4000
	}
	ops := synthetic(n, 2000)
	dir := t.TempDir()
	start := time.Now()
	p := FromOps(ops)
	require.NoError(t, WritePerf(dir, p, "kafka"))
	took := time.Since(start)
	t.Logf("%d ops: three plots in %v", n, took)
	if !raceEnabled {
		assert.Less(t, took, 5*time.Second)
	}
	for _, f := range []string{"latency-raw.png", "latency-quantiles.png", "rate.png"} {
		w, h := decodePNG(t, filepath.Join(dir, f))
		assert.Equal(t, [2]int{900, 400}, [2]int{w, h}, f)
		fi, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Less(t, fi.Size(), int64(400<<10), "%s stays small", f)
	}
}

func TestWritePerfEmpty(t *testing.T) {
	// A run that recorded nothing still gets (empty) plots.
	p := FromOps(nil)
	for _, plot := range []func(Perf, string) (*Figure, error){LatencyRaw, LatencyQuantiles, Rate} {
		fig, err := plot(p, "echo")
		require.NoError(t, err)
		fig.draw(draw.New(vgimg.New(100, 50)))
	}
}

func journal(events ...string) string { return strings.Join(events, "\n") + "\n" }

func ev(typ string, t int64, id int64, src, dest, body string) string {
	return fmt.Sprintf(`{"type":%q,"time":%d,"message":{"id":%d,"src":%q,"dest":%q,"body":%s}}`, typ, t, id, src, dest, body)
}

func TestReadMessagesAndLamport(t *testing.T) {
	j := journal(
		ev("send", 10, 1, "c0", "n0", `{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}`),
		ev("recv", 12, 1, "c0", "n0", `{"type":"init","msg_id":1}`),
		ev("send", 20, 2, "n0", "c0", `{"type":"init_ok","in_reply_to":1}`),
		ev("send", 21, 3, "n0", "n1", `{"type":"gossip","msg_id":5}`), // dropped
		ev("recv", 22, 2, "n0", "c0", `{"type":"init_ok","in_reply_to":1}`),
		ev("send", 30, 4, "n1", "lin-kv", `{"type":"read","key":"<x>"}`),
		ev("recv", 31, 4, "n1", "lin-kv", `{"type":"read"}`),
		ev("send", 40, 5, "n10", "c2", `{"type":"error","code":11}`),
		ev("recv", 41, 5, "n10", "c2", `{"type":"error"}`),
	)
	msgs, err := ReadMessages(strings.NewReader(j), 3)
	require.NoError(t, err)
	require.Len(t, msgs, 3, "only the first 3 sent")
	assert.Equal(t, Message{ID: 1, Src: "c0", Dest: "n0", Type: "init", Send: 10, Recv: 12}, msgs[0])
	assert.Equal(t, Message{ID: 2, Src: "n0", Dest: "c0", Type: "init_ok", Reply: true, Send: 20, Recv: 22}, msgs[1])
	assert.Equal(t, int64(-1), msgs[2].Recv, "never received")

	msgs, err = ReadMessages(strings.NewReader(j), 100)
	require.NoError(t, err)
	require.Len(t, msgs, 5)
	var svg bytes.Buffer
	require.NoError(t, Lamport(&svg, msgs))
	s := svg.String()

	// Well-formed XML, one column per actor in the order servers,
	// services, clients.
	dec := xml.NewDecoder(strings.NewReader(s))
	var heads []string
	inHead := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch x := tok.(type) {
		case xml.StartElement:
			inHead = false
			for _, a := range x.Attr {
				if a.Name.Local == "font-weight" && a.Value == "bold" {
					inHead = true
				}
			}
		case xml.CharData:
			if inHead {
				heads = append(heads, string(x))
				inHead = false
			}
		}
	}
	assert.Equal(t, []string{"n0", "n1", "n10", "lin-kv", "c0", "c2"}, heads)
	assert.Equal(t, 4, strings.Count(s, `marker-end="url(#a)"`), "an arrow per received message")
	assert.Contains(t, s, "gossip n0 → n1, sent 0.000 ms, never received")
	assert.Contains(t, s, `stroke-dasharray="4 2"`, "replies are dashed")
	assert.Contains(t, s, `stroke="#c05800"`, "errors stand out")
}

func TestReadMessagesStopsEarly(t *testing.T) {
	// A journal far longer than needed: reading stops once the first
	// messages are all received.
	var b strings.Builder
	for i := int64(1); i <= 30000; i++ {
		b.WriteString(ev("send", i*10, i, "n0", "n1", `{"type":"x"}`) + "\n")
		b.WriteString(ev("recv", i*10+1, i, "n0", "n1", `{"type":"x"}`) + "\n")
	}
	r := &countingReader{r: strings.NewReader(b.String())}
	msgs, err := ReadMessages(r, 10)
	require.NoError(t, err)
	assert.Len(t, msgs, 10)
	assert.Less(t, r.n, int64(2<<20), "read only the start (one buffer) of %d bytes", b.Len())
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestSweepChart(t *testing.T) {
	var pts []SweepPoint
	for _, rate := range []int{1000, 100} {
		for _, n := range []float64{1, 2, 4, 8} {
			pts = append(pts, SweepPoint{Series: fmt.Sprintf("rate %d", rate), Nodes: n,
				MsgsPerOp: n * 1.5, Median: n, Max: n * 10, Valid: n != 8})
		}
	}
	pts = append(pts, SweepPoint{Series: "rate 10", Nodes: 3, MsgsPerOp: math.NaN(), Median: math.NaN(), Max: math.NaN()})
	path := filepath.Join(t.TempDir(), "sweep.png")
	require.NoError(t, Sweep(path, "kafka", pts))
	w, h := decodePNG(t, path)
	assert.Equal(t, 1800, w)
	assert.Equal(t, 480, h)
	assert.Error(t, Sweep(path, "x", nil))
	assert.True(t, seriesLess("rate 100", "rate 1000"))
	assert.True(t, seriesLess("rate 20", "rate 100"))
	assert.True(t, seriesLess("a", "b"))
}

func TestJSONShapeOfJournal(t *testing.T) {
	// The journal event shape ReadMessages expects is netsim's.
	var e journalEvent
	require.NoError(t, json.Unmarshal([]byte(ev("recv", 3, 9, "a", "b", `{"type":"t","in_reply_to":2}`)), &e))
	assert.Equal(t, "recv", e.Type)
	assert.Equal(t, int64(9), e.Message.ID)
	require.NotNil(t, e.Message.Body.InReplyTo)
}

func TestReadMessagesInWindow(t *testing.T) {
	j := journal(
		ev("send", 10, 1, "c0", "n0", `{"type":"init"}`),
		ev("recv", 12, 1, "c0", "n0", `{"type":"init"}`),
		ev("send", 100, 2, "n0", "n1", `{"type":"gossip","time":5}`),
		ev("send", 150, 3, "n1", "n0", `{"type":"gossip"}`),
		ev("recv", 160, 3, "n1", "n0", `{"type":"gossip"}`),
		ev("recv", 210, 2, "n0", "n1", `{"type":"gossip"}`),
		ev("send", 300, 4, "n0", "n1", `{"type":"late"}`),
		ev("recv", 301, 4, "n0", "n1", `{"type":"late"}`),
	)
	msgs, err := ReadMessagesIn(strings.NewReader(j), Window{From: 50, To: 200}, 100)
	require.NoError(t, err)
	require.Len(t, msgs, 2, "only the messages sent inside the window")
	assert.Equal(t, Message{ID: 2, Src: "n0", Dest: "n1", Type: "gossip", Send: 100, Recv: 210}, msgs[0],
		"a receipt after the window's end still counts")
	assert.Equal(t, int64(3), msgs[1].ID)

	msgs, err = ReadMessagesIn(strings.NewReader(j), Window{From: 250}, 100)
	require.NoError(t, err)
	require.Len(t, msgs, 1, "to the end")
	assert.Equal(t, "late", msgs[0].Type)

	var svg bytes.Buffer
	require.NoError(t, LamportIn(&svg, msgs, Window{From: 250_000_000, To: 2_500_000_000}))
	assert.Contains(t, svg.String(), "first 1 messages sent from 0.250 s to 2.500 s")
	assert.Equal(t, "the whole test", Window{}.String())
	assert.Equal(t, "from 1.000 s to the end", Window{From: 1e9}.String())
}

// PerfOf, reading a stored history op by op, draws what FromOps draws
// from the same file read whole.
func TestPerfOfMatchesFromOps(t *testing.T) {
	in := `{"index":0,"time":1000000000,"type":"info","process":-1,"f":"pause","value":"majority"}
{"index":1,"time":1000000000,"type":"info","process":-1,"f":"pause","value":{"n1":"paused","n2":"paused"}}
{"index":2,"time":1100000000,"type":"invoke","process":0,"f":"poll","value":[["poll"]]}
{"index":3,"time":1200000000,"type":"invoke","process":1,"f":"send","value":[["send","9",3]]}
{"index":4,"time":1300000000,"type":"ok","process":0,"f":"poll","value":[["poll",{"9":[[0,1]]}]]}
{"index":5,"time":3000000000,"type":"info","process":-1,"f":"resume","value":"all"}
{"index":6,"time":3100000000,"type":"fail","process":1,"f":"send","value":[["send","9",3]],"error":[11,"x"]}
`
	ops, err := ReadOps(strings.NewReader(in))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "history.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(in), 0o644))
	got, err := PerfOf(history.File(path))
	require.NoError(t, err)
	want := FromOps(ops)
	require.Len(t, got.Points, 2)
	require.Len(t, got.Nemesis, 1)
	assert.Equal(t, want, got)
	_, err = PerfOf(history.File(filepath.Join(t.TempDir(), "none.jsonl")))
	assert.Error(t, err)

	// The same history in memory (values decoded, not raw), and the
	// harness's own file, fold to the same Perf.
	h, err := history.Collect(history.File(path))
	require.NoError(t, err)
	mem, err := PerfOf(h)
	require.NoError(t, err)
	assert.Equal(t, want, mem)
	written, err := PerfOf(history.WrittenFile(path))
	require.NoError(t, err)
	assert.Equal(t, want, written)
}

// largest is the k-th largest latency, as sorting them all would find it.
func TestLargest(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 7, 100, 5000} {
		pts := make([]Point, n)
		lat := make([]float64, n)
		for i := range pts {
			pts[i].Latency = float64(rng.IntN(n/2 + 1)) // repeats
			lat[i] = pts[i].Latency
		}
		slices.Sort(lat)
		for _, k := range []int{1, 2, n / 10, n / 2, n} {
			if k < 1 || k > n {
				continue
			}
			assert.Equal(t, lat[n-k], largest(pts, k), "n %d k %d", n, k)
		}
	}
}
