package plot

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// SweepPoint is one run of a sweep as the sweep chart draws it.
type SweepPoint struct {
	// Series names the line the run belongs to, e.g. "rate 100".
	Series string
	Nodes  float64
	// MsgsPerOp is the servers' msgs-per-op; NaN when unknown.
	MsgsPerOp float64
	// Median and Max are latencies in ms; NaN when unknown.
	Median, Max float64
	Valid       bool
}

var seriesColors = []color.Color{
	rgb(0x1f77b4), rgb(0xff7f0e), rgb(0x2ca02c), rgb(0xd62728), rgb(0x9467bd),
	rgb(0x8c564b), rgb(0xe377c2), rgb(0x7f7f7f), rgb(0xbcbd22), rgb(0x17becf),
}

// Sweep writes the sweep chart as a PNG: server msgs-per-op (left) and
// median and maximum latency (right, log scale; max dashed) against node
// count, one line per series. Invalid runs are marked with a red ring.
func Sweep(path, title string, pts []SweepPoint) error {
	series := map[string][]SweepPoint{}
	var names []string
	for _, p := range pts {
		if _, ok := series[p.Series]; !ok {
			names = append(names, p.Series)
		}
		series[p.Series] = append(series[p.Series], p)
	}
	sort.SliceStable(names, func(i, j int) bool { return seriesLess(names[i], names[j]) })

	cost := plot.New()
	cost.Title.Text = title + ": server msgs per op"
	cost.X.Label.Text = "nodes"
	cost.Y.Label.Text = "msgs-per-op (servers)"
	cost.Y.Min = 0
	cost.Legend.Top, cost.Legend.Left = true, true
	lat := plot.New()
	lat.Title.Text = title + ": latency (median solid, max dashed)"
	lat.X.Label.Text = "nodes"
	lat.Y.Label.Text = "latency (ms)"
	logY(lat)
	lo, hi := math.Inf(1), 0.0
	var bad plotter.XYs
	for i, name := range names {
		ps := series[name]
		sort.Slice(ps, func(a, b int) bool { return ps[a].Nodes < ps[b].Nodes })
		c := seriesColors[i%len(seriesColors)]
		var m, med, mx plotter.XYs
		for _, p := range ps {
			if !math.IsNaN(p.MsgsPerOp) {
				m = append(m, plotter.XY{X: p.Nodes, Y: p.MsgsPerOp})
				if !p.Valid {
					bad = append(bad, plotter.XY{X: p.Nodes, Y: p.MsgsPerOp})
				}
			}
			if !math.IsNaN(p.Median) {
				y := math.Max(p.Median, minLatency)
				med = append(med, plotter.XY{X: p.Nodes, Y: y})
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
			if !math.IsNaN(p.Max) {
				y := math.Max(p.Max, minLatency)
				mx = append(mx, plotter.XY{X: p.Nodes, Y: y})
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
		shape := glyphs[i%len(glyphs)]
		if len(m) > 0 {
			l, s, err := plotter.NewLinePoints(m)
			if err != nil {
				return err
			}
			l.Color, s.Color, s.Shape = c, c, shape
			cost.Add(l, s)
			cost.Legend.Add(name, l, s)
		}
		for j, xy := range []plotter.XYs{med, mx} {
			if len(xy) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			l.Color, s.Color, s.Shape = c, c, shape
			if j == 1 {
				l.Dashes = []vg.Length{4, 3}
			}
			lat.Add(l, s)
		}
	}
	if len(bad) > 0 {
		s, err := plotter.NewScatter(bad)
		if err != nil {
			return err
		}
		s.Shape, s.Color, s.Radius = draw.RingGlyph{}, rgb(0xd62728), 6
		cost.Add(s)
		cost.Legend.Add("invalid run", s)
	}
	fitLogY(lat, lo, hi)
	if cost.Y.Max <= 0 {
		cost.Y.Max = 1 // every run at 0: keep the axis at 0..1
	}
	if len(pts) == 0 {
		return fmt.Errorf("sweep chart: no runs")
	}

	img := vgimg.NewWith(vgimg.UseWH(2*Width, Height+60), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: 20, PadY: 10, PadTop: 10, PadBottom: 10, PadLeft: 10, PadRight: 10}
	cs := plot.Align([][]*plot.Plot{{cost, lat}}, tiles, dc)
	cost.Draw(cs[0][0])
	lat.Draw(cs[0][1])
	return savePNG(img, path)
}

// seriesLess orders series names by the number in them when they share a
// prefix ("rate 100" before "rate 1000").
func seriesLess(a, b string) bool {
	na, pa := trailingNumber(a)
	nb, pb := trailingNumber(b)
	if pa == pb && !math.IsNaN(na) && !math.IsNaN(nb) {
		return na < nb
	}
	return a < b
}

func trailingNumber(s string) (float64, string) {
	i := len(s)
	for i > 0 && (s[i-1] >= '0' && s[i-1] <= '9' || s[i-1] == '.') {
		i--
	}
	var f float64
	if _, err := fmt.Sscan(s[i:], &f); err != nil {
		return math.NaN(), s
	}
	return f, s[:i]
}
