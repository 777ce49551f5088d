package web

import (
	"fmt"
	"math"
	"strings"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher/report"
)

// Chart is an SVG chart of one figure over time, laid out on the server so that the page
// needs no script and no chart library. Coordinates are in the SVG's viewBox.
type Chart struct {
	Title                    string
	W, H                     float64
	Left, Right, Top, Bottom float64 // the plot area
	Lines                    []ChartLine
	YTicks, XTicks           []Tick
}

// ChartLine is the step line of one figure of one source.
type ChartLine struct {
	Label  string
	Color  int // the source's colour, c0 … c7 in the stylesheet
	Width  float64
	Path   string
	Points []ChartPoint
}

// ChartPoint is a value the figure took, where it first appeared.
type ChartPoint struct {
	X, Y  float64
	Title string
}

// Tick is a labelled position on an axis.
type Tick struct {
	Pos    float64
	Label  string
	Anchor string // text-anchor of the label: start, middle or end
}

// colors is the number of source colours in the stylesheet.
const colors = 8

// chartFor draws the series with the given key across sources: each a step line, since a
// figure keeps its value until an edit changes it. A figure still in the latest text runs
// to now. It returns nil when the chart would say nothing the table does not: the figure
// never moved and every source gives it the same value.
func chartFor(key string, all []report.SourceSeries, now time.Time) *Chart {
	type line struct {
		label string
		color int
		pts   []figures.Point
		live  bool
	}
	var lines []line
	var t0, t1 time.Time
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, ss := range all {
		var mine []figures.Series
		for _, s := range ss.Series {
			if s.Key == key && len(s.History) > 0 {
				mine = append(mine, s)
			}
		}
		for _, s := range mine {
			label := ss.Source
			if len(mine) > 1 {
				label += " · " + strings.TrimSpace(s.Qualifier+" "+s.Subject)
			}
			lines = append(lines, line{label, i % colors, s.History, s.Latest != nil})
			for _, p := range s.History {
				if t0.IsZero() || p.Time.Before(t0) {
					t0 = p.Time
				}
				if p.Time.After(t1) {
					t1 = p.Time
				}
				lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
			}
		}
	}
	moved, values := false, map[float64]bool{}
	for _, l := range lines {
		moved = moved || len(l.pts) > 1
		for _, p := range l.pts {
			values[p.Value] = true
		}
	}
	if !moved && len(values) < 2 {
		return nil
	}
	if now.After(t1) {
		t1 = now
	}
	if t1.Sub(t0) < time.Minute {
		t0, t1 = t0.Add(-30*time.Second), t1.Add(30*time.Second)
	}
	c := &Chart{Title: key + " over time", W: 640, H: 200, Left: 56, Right: 628, Top: 12, Bottom: 172}
	lo, hi, step := niceRange(lo, hi)
	x := func(t time.Time) float64 {
		return round1(c.Left + (c.Right-c.Left)*float64(t.Sub(t0))/float64(t1.Sub(t0)))
	}
	y := func(v float64) float64 { return round1(c.Bottom - (c.Bottom-c.Top)*(v-lo)/(hi-lo)) }
	for v := lo; v <= hi+step/2; v += step {
		c.YTicks = append(c.YTicks, Tick{y(v), num(round(v, step)), "end"})
	}
	timeFmt := "2006-01-02"
	if t1.Sub(t0) < 48*time.Hour {
		timeFmt = "01-02 15:04"
	}
	for i, anchor := range []string{"start", "middle", "end"} {
		t := t0.Add(t1.Sub(t0) * time.Duration(i) / 2)
		c.XTicks = append(c.XTicks, Tick{x(t), t.Local().Format(timeFmt), anchor})
	}
	for i, l := range lines {
		// Sources often agree, and their lines then lie on one another: each line is
		// drawn thinner than the one before, so that those below show as a border.
		cl := ChartLine{Label: l.label, Color: l.color, Width: 2 + 2.5*float64(len(lines)-1-i)}
		var b strings.Builder
		for k, p := range l.pts {
			px, py := x(p.Time), y(p.Value)
			if k == 0 {
				fmt.Fprintf(&b, "M%g %g", px, py)
			} else {
				fmt.Fprintf(&b, " H%g V%g", px, py)
			}
			cl.Points = append(cl.Points, ChartPoint{X: px, Y: py,
				Title: fmt.Sprintf("%s: %s (%s, snapshot %.8s)", l.label, num(p.Value), p.Time.Local().Format("2006-01-02 15:04"), p.Snapshot)})
		}
		if l.live {
			fmt.Fprintf(&b, " H%g", x(t1))
		}
		cl.Path = b.String()
		c.Lines = append(c.Lines, cl)
	}
	return c
}

// niceRange widens [lo, hi] to round bounds with a round step, about four ticks apart.
func niceRange(lo, hi float64) (float64, float64, float64) {
	if lo == hi {
		pad := math.Max(math.Abs(lo)*0.1, 1)
		lo, hi = lo-pad, hi+pad
	}
	raw := (hi - lo) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	return math.Floor(lo/step) * step, math.Ceil(hi/step) * step, step
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// round drops the float noise that stepping adds (0.1+0.2), to the step's precision.
func round(v, step float64) float64 {
	p := math.Pow(10, math.Max(0, -math.Floor(math.Log10(step))+1))
	return math.Round(v*p) / p
}
