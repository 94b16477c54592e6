package plot

import (
	"bufio"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Image size: Jepsen's perf plots are 900x400 pixels; at 96 dpi that is
// 675x300 points.
const (
	Width  vg.Length = 675
	Height vg.Length = 300
	dpi              = 96
)

// MaxRawPoints bounds the points latency-raw.png draws; beyond it each
// series is thinned (see thin).
const MaxRawPoints = 6000

// Types are the completion types, in Jepsen's drawing order.
var Types = []string{"ok", "info", "fail"}

// TypeColor is Jepsen's perf.clj type->color.
var TypeColor = map[string]color.Color{
	"ok":   rgb(0x81BFFC),
	"info": rgb(0xFFA400),
	"fail": rgb(0xFF1E90),
}

// quantileColor is perf.clj's qs->colors for the quantiles drawn.
var quantileColor = map[float64]color.Color{
	1:    rgb(0xFF0000),
	0.99: rgb(0xFFA500),
	0.95: rgb(0xA020F0),
	0.5:  rgb(0x0000FF),
}

// plotQuantiles are the quantiles of latency-quantiles.png (perf.clj's qs).
var plotQuantiles = []float64{0.5, 0.95, 0.99, 1}

// faultColors shade each fault. A partition is grey, perf.clj's
// default-nemesis-color, as Maelstrom's plots show it; pause and kill take
// the colours Jepsen's combined nemesis gives them in its :perf maps
// (#A0B1E9 and #E9A4A0). All have perf.clj's alpha (0.6).
var faultColors = map[string]color.NRGBA{
	"partition": {R: 0xcc, G: 0xcc, B: 0xcc, A: 0x99},
	"pause":     {R: 0xa0, G: 0xb1, B: 0xe9, A: 0x99},
	"kill":      {R: 0xe9, G: 0xa4, B: 0xa0, A: 0x99},
}

// FaultColorNames names faultColors for the index page's legend.
var FaultColorNames = map[string]string{"partition": "grey", "pause": "blue", "kill": "red"}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{},
	draw.BoxGlyph{}, draw.RingGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
}

func rgb(x uint32) color.Color {
	return color.RGBA{R: uint8(x >> 16), G: uint8(x >> 8), B: uint8(x), A: 0xff}
}

func glyphFor(fs []string, f string) draw.GlyphDrawer {
	i := sort.SearchStrings(fs, f)
	return glyphs[i%len(glyphs)]
}

// WritePerf writes latency-raw.png, latency-quantiles.png and rate.png into
// dir. title names the test (Jepsen uses the test's name).
func WritePerf(dir string, p Perf, title string) error {
	for _, w := range []struct {
		name string
		draw func(Perf, string) (*Figure, error)
	}{
		{"latency-raw.png", LatencyRaw},
		{"latency-quantiles.png", LatencyQuantiles},
		{"rate.png", Rate},
	} {
		fig, err := w.draw(p, title)
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		if err := fig.SavePNG(filepath.Join(dir, w.name)); err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
	}
	return nil
}

// Figure is a plot with its legend drawn outside, on the right, as
// gnuplot draws Jepsen's plots.
type Figure struct {
	p      *plot.Plot
	legend plot.Legend
	names  []string
}

func newFigure(title, ylabel string, p Perf) *Figure {
	pl := plot.New()
	pl.Title.Text = title
	pl.X.Label.Text = "Time (s)"
	pl.Y.Label.Text = ylabel
	pl.X.Min, pl.X.Max = 0, math.Max(p.End, 1e-3)
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	fig := &Figure{p: pl, legend: l}
	for _, f := range Faults {
		sh := shade{color: faultColors[f.Name]}
		for _, iv := range p.Nemesis {
			if iv.Fault == f.Name {
				sh.intervals = append(sh.intervals, iv)
			}
		}
		if len(sh.intervals) > 0 {
			pl.Add(sh)
			fig.add(f.Name, sh)
		}
	}
	return fig
}

func (f *Figure) add(name string, th ...plot.Thumbnailer) {
	f.legend.Add(name, th...)
	f.names = append(f.names, name)
}

func (f *Figure) draw(c draw.Canvas) {
	lw := vg.Length(0)
	for _, n := range f.names {
		lw = max(lw, f.legend.TextStyle.Width(n))
	}
	if len(f.names) > 0 {
		lw += f.legend.ThumbnailWidth + 16
	}
	pc := c
	pc.Max.X -= lw
	f.p.Draw(pc)
	if len(f.names) > 0 {
		lc := c
		lc.Min.X = pc.Max.X + 8
		lc.Max.Y -= 20
		f.legend.Draw(lc)
	}
}

// SavePNG writes the figure as a 900x400 PNG.
func (f *Figure) SavePNG(path string) error {
	img := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	f.draw(dc)
	return savePNG(img, path)
}

func savePNG(img *vgimg.Canvas, path string) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(file)
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
		file.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// shade draws one fault's periods as bands of its colour over the whole
// height, as perf.clj's nemesis-regions does.
type shade struct {
	intervals []Interval
	color     color.NRGBA
}

func (s shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, iv := range s.intervals {
		x0 := max(trX(iv.Start), c.Min.X)
		x1 := min(trX(iv.End), c.Max.X)
		if x1 <= x0 {
			x1 = x0 + 1
		}
		c.FillPolygon(s.color, []vg.Point{
			{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y},
		})
	}
}

func (s shade) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.color, []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	})
}

// minLatency keeps a log scale finite: latencies are shown as at least
// 1 µs.
const minLatency = 1e-3

func logY(pl *plot.Plot) {
	pl.Y.Scale = plot.LogScale{}
	pl.Y.Tick.Marker = plot.LogTicks{Prec: -1}
}

// fitLogY widens a log axis to whole decades, so that LogTicks has at
// least two ticks to label.
func fitLogY(pl *plot.Plot, lo, hi float64) {
	if !(lo > 0) || !(hi > 0) {
		lo, hi = 0.1, 10
	}
	// Slightly below the decade, so that its tick is inside the range.
	pl.Y.Min = math.Pow(10, math.Floor(math.Log10(lo))) * 0.999
	pl.Y.Max = math.Pow(10, math.Ceil(math.Log10(hi)))
	if pl.Y.Max <= pl.Y.Min*10.1 {
		pl.Y.Max = pl.Y.Min * 100
	}
}

// LatencyRaw is latency-raw.png: one point per operation at its invocation
// time, latency on a log scale, coloured by outcome and shaped by f
// (perf.clj point-graph!).
func LatencyRaw(p Perf, title string) (*Figure, error) {
	fig := newFigure(title+" latency (raw)", "Latency (ms)", p)
	logY(fig.p)
	series := map[[2]string][]Point{}
	for _, pt := range p.Points {
		k := [2]string{pt.F, pt.Type}
		series[k] = append(series[k], pt)
	}
	lo, hi := math.Inf(1), 0.0
	for _, f := range p.Fs {
		for _, t := range Types {
			pts := series[[2]string{f, t}]
			if len(pts) == 0 {
				continue
			}
			budget := max(200, MaxRawPoints*len(pts)/max(1, len(p.Points)))
			pts = thin(pts, budget)
			xys := make(plotter.XYs, len(pts))
			for i, pt := range pts {
				y := math.Max(pt.Latency, minLatency)
				xys[i] = plotter.XY{X: pt.Time, Y: y}
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
			s, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: TypeColor[t], Radius: 2, Shape: glyphFor(p.Fs, f)}
			fig.p.Add(s)
			fig.add(f+" "+t, s)
		}
	}
	fitLogY(fig.p, lo, hi)
	return fig, nil
}

// thin keeps at most about n of pts: every k-th point, plus the slowest
// hundredth (outliers are what a reader looks for), in time order.
func thin(pts []Point, n int) []Point {
	if len(pts) <= n {
		return pts
	}
	tail := max(1, n/10)
	cut := largest(pts, tail)
	step := float64(len(pts)) / float64(n-tail)
	out := make([]Point, 0, n+tail)
	next := 0.0
	for i, pt := range pts {
		switch {
		case pt.Latency >= cut && len(out) < n+tail:
			out = append(out, pt)
		case float64(i) >= next:
			out = append(out, pt)
			next += step
		}
	}
	return out
}

// largest returns the k-th largest latency of pts (1 <= k <= len(pts)):
// the smallest of the k largest, kept in a min-heap, rather than sorting
// every latency of a run to find it.
func largest(pts []Point, k int) float64 {
	h := make([]float64, 0, k)
	for _, pt := range pts {
		v := pt.Latency
		switch {
		case len(h) < k:
			h = append(h, v)
			for i := len(h) - 1; i > 0; { // sift up
				parent := (i - 1) / 2
				if h[parent] <= h[i] {
					break
				}
				h[parent], h[i] = h[i], h[parent]
				i = parent
			}
		case v > h[0]:
			h[0] = v
			for i := 0; ; { // sift down
				least := i
				if l := 2*i + 1; l < len(h) && h[l] < h[least] {
					least = l
				}
				if r := 2*i + 2; r < len(h) && h[r] < h[least] {
					least = r
				}
				if least == i {
					break
				}
				h[i], h[least] = h[least], h[i]
				i = least
			}
		}
	}
	return h[0]
}

// BucketWidth picks the time bucket of the quantile and rate plots so a
// run has about 30 of them. Jepsen uses fixed 30 s (quantiles) and 10 s
// (rate) buckets, which suit its long tests; a 20 s challenge run would
// get one or two.
func BucketWidth(end float64) float64 {
	for _, dt := range []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300} {
		if end/dt <= 40 {
			return dt
		}
	}
	return 600
}

func bucketOf(t, dt float64) int { return int(math.Floor(t / dt)) }

// LatencyQuantiles is latency-quantiles.png: per f and time bucket of
// invocation, the 0.5, 0.95, 0.99 and 1 quantiles of latency (perf.clj
// quantiles-graph!), computed as check.QuantilesOf does.
func LatencyQuantiles(p Perf, title string) (*Figure, error) {
	fig := newFigure(title+" latency quantiles", "Latency (ms)", p)
	logY(fig.p)
	dt := BucketWidth(p.End)
	byF := map[string]map[int][]float64{}
	for _, pt := range p.Points {
		m := byF[pt.F]
		if m == nil {
			m = map[int][]float64{}
			byF[pt.F] = m
		}
		b := bucketOf(pt.Time, dt)
		m[b] = append(m[b], math.Max(pt.Latency, minLatency))
	}
	lo, hi := math.Inf(1), 0.0
	for _, f := range p.Fs {
		buckets := byF[f]
		keys := make([]int, 0, len(buckets))
		for b, v := range buckets {
			keys = append(keys, b)
			sort.Float64s(v)
		}
		sort.Ints(keys)
		for _, q := range plotQuantiles {
			xys := make(plotter.XYs, 0, len(keys))
			for _, b := range keys {
				v := buckets[b]
				y := v[min(len(v)-1, int(math.Floor(float64(len(v))*q)))]
				xys = append(xys, plotter.XY{X: (float64(b) + 0.5) * dt, Y: y})
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
			if len(xys) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, err
			}
			l.Color = quantileColor[q]
			s.GlyphStyle = draw.GlyphStyle{Color: quantileColor[q], Radius: 2.5, Shape: glyphFor(p.Fs, f)}
			fig.p.Add(l, s)
			fig.add(fmt.Sprintf("%s %g", f, q), l, s)
		}
	}
	fitLogY(fig.p, lo, hi)
	return fig, nil
}

// Rate is rate.png: completions per second, per f and outcome, by
// completion time (perf.clj rate-graph!), with empty buckets drawn as 0.
func Rate(p Perf, title string) (*Figure, error) {
	fig := newFigure(title+" rate", "Throughput (hz)", p)
	dt := BucketWidth(p.End)
	n := bucketOf(p.End, dt) + 1
	counts := map[[2]string][]float64{}
	for _, pt := range p.Points {
		k := [2]string{pt.F, pt.Type}
		c := counts[k]
		if c == nil {
			c = make([]float64, n)
			counts[k] = c
		}
		if b := bucketOf(pt.Complete, dt); b >= 0 && b < n {
			c[b] += 1 / dt
		}
	}
	fig.p.Y.Min = 0
	for _, f := range p.Fs {
		for _, t := range Types {
			c := counts[[2]string{f, t}]
			if c == nil {
				continue
			}
			xys := make(plotter.XYs, n)
			for b := range c {
				xys[b] = plotter.XY{X: (float64(b) + 0.5) * dt, Y: c[b]}
			}
			l, s, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, err
			}
			l.Color = TypeColor[t]
			s.GlyphStyle = draw.GlyphStyle{Color: TypeColor[t], Radius: 2.5, Shape: glyphFor(p.Fs, f)}
			fig.p.Add(l, s)
			fig.add(f+" "+t, l, s)
		}
	}
	return fig, nil
}
