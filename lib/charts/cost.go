package charts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
)

// CostOptions tune LayerCost. The zero value gives the default chart.
type CostOptions struct {
	// Title is the chart's title; empty means "Where the multiplications are".
	Title string
	// Subtitle is a line under the title; empty means one with the totals.
	Subtitle string
	// Width is the chart's width in pixels (0: 900); its height grows with the number of layers.
	Width int
}

// costGroups colour the layers by kind, in the legend's order.
var costGroups = []struct {
	name, color string
	match       func(kind string) bool
}{
	{"1x1 convolution", "#2ca02c", func(k string) bool { return k == "conv 1x1" }},
	{"3x3 convolution", "#ff7f0e", func(k string) bool { return k == "conv 3x3" }},
	{"5x5 convolution", "#d62728", func(k string) bool { return k == "conv 5x5" }},
	{"other (linear, pooling)", "#7f7f7f", func(string) bool { return true }},
}

// LayerCost draws a cost table (see models.Summarize) as horizontal bars, one
// per layer in the order the net runs them, from top to bottom: each layer's
// share of the net's multiplications for one image, in percent, coloured by
// the kind of layer (1x1, 3x3, 5x5 convolution, other). Layers that multiply
// nothing (max pooling) are listed at 0 %.
func LayerCost(t *cost.Table, o CostOptions) (*Figure, error) {
	if t == nil || len(t.Layers) == 0 {
		return nil, errors.New("charts: the cost table has no layers")
	}
	total := t.TotalMults()
	if total <= 0 {
		return nil, errors.New("charts: the cost table's layers do no multiplications")
	}
	var err error
	if o.Width, _, err = costSize.apply(o.Width, 0); err != nil {
		return nil, err
	}
	if o.Title == "" {
		o.Title = "Where the multiplications are"
	}
	if o.Subtitle == "" {
		o.Subtitle = fmt.Sprintf("Share of the %s multiplications for one image, per layer (%s parameters in all)",
			cost.Thousands(total), cost.Thousands(t.TotalParams()))
	}
	height := 130 + 26*len(t.Layers)

	names := make([]string, len(t.Layers))
	series := make([][]opts.BarData, len(costGroups))
	for i, l := range t.Layers {
		names[i] = fmt.Sprintf("%s  (%s)", strings.TrimPrefix(l.Name, "/"), l.Kind)
		group := len(costGroups) - 1
		for g, cg := range costGroups {
			if cg.match(l.Kind) {
				group = g
				break
			}
		}
		for g := range series {
			// Each kind is its own series so that the legend names the colours;
			// a layer has a value in its kind's series only, "-" (no bar) in the others.
			var v any = "-"
			if g == group {
				v = round(100*float64(l.Mults)/float64(total), 2)
			}
			series[g] = append(series[g], opts.BarData{Value: v,
				Name: fmt.Sprintf("%s multiplications, %s parameters", cost.Thousands(l.Mults), cost.Thousands(l.Params))})
		}
	}

	bar := charts.NewBar()
	bar.SetGlobalOptions(append(frame(o.Width, height, o.Title, o.Subtitle),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "58"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item",
			Formatter: opts.FuncOpts(`function (p) { return p.marker + p.seriesName + "<br/>" + p.value + " % of the net: " + p.name; }`)}),
		charts.WithGridOpts(opts.Grid{Left: "20", Right: "70", Top: "95", Bottom: "45", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "share of the multiplications (%)", NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names, Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0"}}),
	)...)
	for g, cg := range costGroups {
		bar.AddSeries(cg.name, series[g],
			charts.WithBarChartOpts(opts.BarChart{Stack: "share", BarWidth: "60%"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: cg.color}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Formatter: "{c} %", Color: "#333"}))
	}
	return NewFigure(bar, o.Title, o.Width, height), nil
}
