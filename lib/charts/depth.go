package charts

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/learn-gomlx/advanced-cnn/lib/depth"
	"github.com/learn-gomlx/advanced-cnn/lib/evaluate"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
)

// DepthOptions tune GradientNorms and DepthLosses. The zero value gives the default chart.
type DepthOptions struct {
	// Title is the chart's title; empty means one naming what is drawn.
	Title string
	// Subtitle is a line under the title; empty means one describing the data.
	Subtitle string
	// Width and Height are the chart's size in pixels; 0 means 900 by 520.
	Width, Height int
	// Smooth is the number of steps each point of DepthLosses averages; 0
	// means a tenth of the steps, at most 20.
	Smooth int
}

// Each kind of net has its colours, darker for deeper nets: plain nets reds,
// He-initialised plain nets oranges, the lesson's residual nets blues, and
// pre-activation residual nets greens. Residual kinds are drawn dashed.
var kindColors = map[models.DeepKind][]string{
	models.Plain:    {"#fc9272", "#ef3b2c", "#cb181d", "#67000d"},
	models.PlainHe:  {"#fdae6b", "#fd8d3c", "#e6550d", "#7f2704"},
	models.Residual: {"#9ecae1", "#4292c6", "#08519c", "#08306b"},
	models.PreAct:   {"#a1d99b", "#41ab5d", "#006d2c", "#00441b"},
}

// depthShades is the number of depths the colours tell apart.
const depthShades = 4

// kindOf is r's kind; results from before kinds existed say only Residual.
func kindOf(r depth.Result) models.DeepKind {
	switch {
	case r.Kind != "":
		return r.Kind
	case r.Residual:
		return models.Residual
	}
	return models.Plain
}

// depthStyle gives each result its colour and line style: by kind and by the
// rank of its depth among the results' depths.
func depthStyle(results []depth.Result) (func(r depth.Result) (string, opts.LineStyle), []int, error) {
	if len(results) == 0 {
		return nil, nil, errors.New("charts: no depth results to draw")
	}
	var depths []int
	seen := map[string]bool{}
	for _, r := range results {
		if r.Depth < 1 || r.Name == "" {
			return nil, nil, fmt.Errorf("charts: a depth result without a name or depth (%q, %d)", r.Name, r.Depth)
		}
		if _, ok := kindColors[kindOf(r)]; !ok {
			return nil, nil, fmt.Errorf("charts: %s is of an unknown kind %q", r.Name, r.Kind)
		}
		if seen[r.Name] {
			return nil, nil, fmt.Errorf("charts: two depth results are called %q", r.Name)
		}
		seen[r.Name] = true
		if !slices.Contains(depths, r.Depth) {
			depths = append(depths, r.Depth)
		}
	}
	slices.Sort(depths)
	if len(depths) > depthShades {
		return nil, nil, fmt.Errorf("charts: at most %d depths can be told apart, got %d", depthShades, len(depths))
	}
	return func(r depth.Result) (string, opts.LineStyle) {
		i := slices.Index(depths, r.Depth) + depthShades - len(depths) // the darkest shades for few depths
		k := kindOf(r)
		c := kindColors[k][i]
		if k.Blocks() {
			return c, opts.LineStyle{Color: c, Width: 2, Type: "dashed"}
		}
		return c, opts.LineStyle{Color: c, Width: 2}
	}, depths, nil
}

// depthFigure checks what every depth figure needs: results that
// depthStyle can style, and a size that depthSize allows. It returns
// depthStyle's style and depths, and o with its default size.
func depthFigure(results []depth.Result, o DepthOptions) (func(r depth.Result) (string, opts.LineStyle), []int, DepthOptions, error) {
	style, depths, err := depthStyle(results)
	if err != nil {
		return nil, nil, o, err
	}
	if o.Width, o.Height, err = depthSize.apply(o.Width, o.Height); err != nil {
		return nil, nil, o, err
	}
	return style, depths, o, nil
}

// GradientNorms draws the gradient norm of every layer of each net, from the
// input (layer 1, the stem) to the output (the linear layer), on a
// logarithmic scale, in two panels side by side: at initialisation (left)
// and after training (right), for the same batch. Plain nets are solid
// (reds, oranges when He-initialised), residual nets dashed (blues for the
// lesson's block, greens for pre-activation), darker for deeper nets.
func GradientNorms(results []depth.Result, o DepthOptions) (*Figure, error) {
	style, _, o, err := depthFigure(results, o)
	if err != nil {
		return nil, err
	}
	steps, maxLayers := 0, 0
	for _, r := range results {
		if len(r.Init) == 0 || len(r.Trained) != len(r.Init) {
			return nil, fmt.Errorf("charts: %s has %d gradient norms at initialisation and %d after training; want the same number, at least one",
				r.Name, len(r.Init), len(r.Trained))
		}
		steps, maxLayers = max(steps, len(r.Losses)), max(maxLayers, len(r.Init))
	}
	if o.Title == "" {
		o.Title = "How much gradient reaches each layer"
	}
	if o.Subtitle == "" {
		o.Subtitle = fmt.Sprintf("L2 norm of the loss's gradient for each layer's weights, one batch, log scale. Left: untrained. Right: after %d steps. Solid: plain; dashed: residual.", steps)
	}
	xAxis := func(grid int, when string) opts.XAxis {
		return opts.XAxis{Type: "value", Name: "layer (1 = next to the input) " + when, NameLocation: "middle", NameGap: 28,
			GridIndex: grid, Min: 1, Max: maxLayers, MinInterval: 1}
	}
	yAxis := func(grid int, name string) opts.YAxis {
		return opts.YAxis{Type: "log", Name: name, NameLocation: "middle", NameGap: 50, GridIndex: grid,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Formatter: opts.FuncOpts(`function (v) { return v.toExponential(0); }`)}}
	}
	line := panels(o, 80, 30, 60,
		[]opts.XAxis{xAxis(0, "· untrained"), xAxis(1, fmt.Sprintf("· after %d steps", steps))},
		[]opts.YAxis{yAxis(0, "gradient norm (log scale)"), yAxis(1, "")})
	for _, r := range results {
		color, ls := style(r)
		for grid, norms := range [][]float64{normsOf(r.Init), normsOf(r.Trained)} {
			var data []opts.LineData
			for i, n := range norms {
				if n > 0 {
					data = append(data, opts.LineData{Value: []any{i + 1, sig(n, 3)}})
				}
			}
			line.AddSeries(r.Name, data,
				charts.WithLineChartOpts(opts.LineChart{XAxisIndex: grid, YAxisIndex: grid, ShowSymbol: opts.Bool(true), Symbol: "circle", SymbolSize: 5}),
				charts.WithLineStyleOpts(ls),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
		}
	}
	return NewFigure(line, o.Title, o.Width, o.Height), nil
}

// DepthLosses draws the training loss of each net against the training
// step, averaged over o.Smooth steps, in one panel per depth side by side,
// each holding that depth's nets, coloured as in GradientNorms. The dotted
// line at ln 10 ≈ 2.30 is the loss of a net that guesses.
func DepthLosses(results []depth.Result, o DepthOptions) (*Figure, error) {
	style, depths, o, err := depthFigure(results, o)
	if err != nil {
		return nil, err
	}
	steps := 0
	for _, r := range results {
		if len(r.Losses) == 0 {
			return nil, fmt.Errorf("charts: %s has no training losses", r.Name)
		}
		steps = max(steps, len(r.Losses))
	}
	if o.Smooth == 0 {
		o.Smooth = max(1, min(20, steps/10))
	}
	if o.Smooth < 1 {
		return nil, fmt.Errorf("charts: smoothing over %d steps", o.Smooth)
	}
	if o.Title == "" {
		o.Title = "Training loss: nets of the same layers, four kinds"
	}
	if o.Subtitle == "" {
		o.Subtitle = fmt.Sprintf("Mean loss of each %d steps (batches of %d). One panel per depth. Dotted: ln 10 = 2.30, the loss of guessing.", o.Smooth, recipe.BatchSize)
	}
	n := len(depths)
	xAxis := func(i int) opts.XAxis {
		return opts.XAxis{Type: "value", Name: fmt.Sprintf("step · %d layers", depths[i]), NameLocation: "middle", NameGap: 28,
			GridIndex: i, Min: 0, Max: steps}
	}
	yAxis := func(i int) opts.YAxis {
		y := opts.YAxis{Type: "value", GridIndex: i, Min: 0, Max: 3, AxisLabel: &opts.AxisLabel{Show: opts.Bool(i == 0)}}
		if i == 0 {
			y.Name, y.NameLocation, y.NameGap = "training loss", "middle", 40
		}
		return y
	}
	var xs []opts.XAxis
	var ys []opts.YAxis
	for i := range n {
		xs, ys = append(xs, xAxis(i)), append(ys, yAxis(i))
	}
	line := panels(o, 70, 20, 30, xs, ys)
	for _, r := range results {
		color, ls := style(r)
		grid := slices.Index(depths, r.Depth)
		var data []opts.LineData
		for end := o.Smooth; end <= len(r.Losses); end += o.Smooth {
			data = append(data, opts.LineData{Value: []any{end, sig(mean(r.Losses[end-o.Smooth:end]), 3)}})
		}
		if len(data) == 0 {
			data = append(data, opts.LineData{Value: []any{len(r.Losses), sig(mean(r.Losses), 3)}})
		}
		opt := []charts.SeriesOpts{
			charts.WithLineChartOpts(opts.LineChart{XAxisIndex: grid, YAxisIndex: grid, ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(ls),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}),
		}
		if kindOf(r) == models.Plain {
			opt = append(opt,
				charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "guessing", YAxis: 2.3026}),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
					Label:     &opts.Label{Show: opts.Bool(false)},
					LineStyle: &opts.LineStyle{Type: "dotted", Color: "#777", Width: 1}}))
		}
		line.AddSeries(r.Name, data, opt...)
	}
	return NewFigure(line, o.Title, o.Width, o.Height), nil
}

func normsOf(g []evaluate.LayerGradient) []float64 {
	out := make([]float64, len(g))
	for i, l := range g {
		out[i] = l.Norm
	}
	return out
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// sig rounds x to d significant digits.
func sig(x float64, d int) float64 {
	if x == 0 {
		return 0
	}
	p := math.Pow(10, float64(d-1)-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}

// panels is a line chart of o's size, title and subtitle with one panel per
// pair of axes, side by side, left and right pixels from its edges and gap
// pixels apart.
func panels(o DepthOptions, left, right, gap int, x []opts.XAxis, y []opts.YAxis) *charts.Line {
	top, bottom, n := 110, 60, len(x)
	plotW := (o.Width - left - right - gap*(n-1)) / n
	var grids []opts.Grid
	for i := range n {
		grids = append(grids, opts.Grid{Left: fmt.Sprint(left + i*(plotW+gap)), Top: fmt.Sprint(top), Bottom: fmt.Sprint(bottom), Width: fmt.Sprint(plotW)})
	}
	line := charts.NewLine()
	line.SetGlobalOptions(append(frame(o.Width, o.Height, o.Title, o.Subtitle),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "62"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithGridOpts(grids...),
		charts.WithXAxisOpts(x[0]),
		charts.WithYAxisOpts(y[0]),
	)...)
	for i := 1; i < n; i++ {
		line.ExtendXAxis(x[i])
		line.ExtendYAxis(y[i])
	}
	return line
}
