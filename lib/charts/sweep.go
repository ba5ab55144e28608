package charts

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/learn-gomlx/advanced-cnn/lib/bottleneck"
)

// SweepOptions tune BottleneckSweep. The zero value gives the default chart.
type SweepOptions struct {
	// Title is the chart's title; empty means one naming the lesson's example.
	Title string
	// Subtitle is a line under the title; empty means one saying what was measured.
	Subtitle string
	// Width and Height are the chart's size in pixels; 0 means 900 by 640.
	Width, Height int
}

// sweepCategory labels a path on the horizontal axis.
func sweepCategory(p bottleneck.Path) string {
	switch p.Width {
	case 0:
		return "plain 5x5"
	case bottleneck.LessonWidth:
		return fmt.Sprintf("%d (lesson)", p.Width)
	}
	return fmt.Sprint(p.Width)
}

// ms converts a duration to milliseconds with 3 decimals.
func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

// BottleneckSweep draws a sweep of the 1x1 bottleneck width, as
// bottleneck.Sweep returns it (the plain 5x5 path first), in two panels
// sharing the horizontal axis, the bottleneck width in channels. Above: the
// multiplications of one example (bars, left axis) and the measured time of
// one run of the batch (line, right axis). Below: the speed-up over the plain
// path, in theory (the ratio of multiplications) and measured (the ratio of
// the best times), with a dashed line at 1, the plain path's own speed.
// All points must come from the same batch size, mode and backend.
func BottleneckSweep(points []bottleneck.SweepPoint, o SweepOptions) (*Figure, error) {
	if len(points) == 0 {
		return nil, errors.New("charts: the bottleneck sweep has no points")
	}
	if points[0].Path.Width != 0 {
		return nil, fmt.Errorf("charts: the sweep's first point is %s, want the plain 5x5 path, the reference of every speed-up (as bottleneck.Sweep returns it)",
			points[0].Path)
	}
	ref := points[0].Measurement
	for _, p := range points {
		m := p.Measurement
		if m.Best <= 0 {
			return nil, fmt.Errorf("charts: the sweep's point %s has no measured time", p.Path)
		}
		if m.Batch != ref.Batch || m.Backward != ref.Backward || m.Backend != ref.Backend {
			return nil, fmt.Errorf("charts: the sweep mixes measurements (%s: batch %d %s on %s; %s: batch %d %s on %s); times are only comparable for one batch size, mode and backend",
				points[0].Path, ref.Batch, bottleneck.Mode(ref.Backward), ref.Backend, p.Path, m.Batch, bottleneck.Mode(m.Backward), m.Backend)
		}
	}
	var err error
	if o.Width, o.Height, err = twoPanelSize.named("a sweep chart").apply(o.Width, o.Height); err != nil {
		return nil, err
	}
	if o.Title == "" {
		o.Title = "A 1x1 bottleneck in front of the 5x5 convolution (192 to 32 channels, 28x28)"
	}
	if o.Subtitle == "" {
		o.Subtitle = fmt.Sprintf("Measured on the %s backend, batch %d, %s pass, best of %d runs. Theory: the plain path's multiplications over the path's.",
			ref.Backend, ref.Batch, bottleneck.Mode(ref.Backward), len(ref.Times))
	}

	cats := make([]string, len(points))
	var mults []opts.BarData
	var times, theory, measured []opts.LineData
	for i, p := range points {
		cats[i] = sweepCategory(p.Path)
		mults = append(mults, opts.BarData{Value: round(float64(p.Mults)/1e6, 2)})
		times = append(times, opts.LineData{Value: ms(p.Measurement.Best)})
		theory = append(theory, opts.LineData{Value: round(p.TheoreticalSpeedUp, 2)})
		measured = append(measured, opts.LineData{Value: round(p.SpeedUp, 2)})
	}

	top, gap, bottom := 100, 70, 50
	plot := o.Height - top - gap - bottom
	upperH := plot / 2
	xName := "bottleneck width: channels after the 1x1 convolution (plain 5x5: no bottleneck)"
	xAxis := func(grid int) opts.XAxis {
		return opts.XAxis{Type: "category", Name: xName, NameLocation: "middle", NameGap: 28, GridIndex: grid, Data: cats,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0"}}
	}
	label := func(show bool) *opts.AxisLabel { return &opts.AxisLabel{Show: opts.Bool(show)} }
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(frame(o.Width, o.Height, o.Title, o.Subtitle),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "58"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(
			opts.Grid{Left: "80", Right: "80", Top: fmt.Sprint(top), Height: fmt.Sprint(upperH)},
			opts.Grid{Left: "80", Right: "80", Top: fmt.Sprint(top + upperH + gap), Height: fmt.Sprint(plot - upperH)},
		),
		charts.WithXAxisOpts(xAxis(0)),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "multiplications per image (millions)", NameLocation: "middle", NameGap: 50,
			GridIndex: 0, AxisLabel: label(true)}),
	)...)
	bar.SetXAxis(cats)
	bar.ExtendXAxis(xAxis(1))
	bar.ExtendYAxis(
		opts.YAxis{Type: "value", Name: fmt.Sprintf("time of one batch of %d (ms)", ref.Batch), NameLocation: "middle", NameGap: 55,
			GridIndex: 0, Position: "right", AxisLabel: label(true), SplitLine: &opts.SplitLine{Show: opts.Bool(false)}},
		opts.YAxis{Type: "log", Name: "speed-up over plain 5x5 (log scale)", NameLocation: "middle", NameGap: 50,
			GridIndex: 1, AxisLabel: label(true)},
	)
	bar.AddSeries("multiplications (millions per image)", mults,
		charts.WithBarChartOpts(opts.BarChart{XAxisIndex: 0, YAxisIndex: 0, BarWidth: "45%"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#9ecae1"}))

	lines := charts.NewLine()
	lines.AddSeries("measured time (ms)", times,
		charts.WithLineChartOpts(opts.LineChart{XAxisIndex: 0, YAxisIndex: 1, ShowSymbol: opts.Bool(true), Symbol: "circle", SymbolSize: 7}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "#ff7f0e", Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#ff7f0e"}))
	lines.AddSeries("theoretical speed-up", theory,
		charts.WithLineChartOpts(opts.LineChart{XAxisIndex: 1, YAxisIndex: 2, ShowSymbol: opts.Bool(true), Symbol: "circle", SymbolSize: 7}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "#1f77b4", Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#1f77b4"}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", Color: "#1f77b4"}),
		charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "plain 5x5", YAxis: 1}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(true), Formatter: "1x = plain", Position: "end", Color: "#555"},
			LineStyle: &opts.LineStyle{Type: "dashed", Color: "#555", Width: 1}}))
	lines.AddSeries("measured speed-up", measured,
		charts.WithLineChartOpts(opts.LineChart{XAxisIndex: 1, YAxisIndex: 2, ShowSymbol: opts.Bool(true), Symbol: "diamond", SymbolSize: 9}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "#d62728", Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#d62728"}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "bottom", Color: "#d62728"}))
	bar.Overlap(lines)
	return NewFigure(bar, o.Title, o.Width, o.Height), nil
}
