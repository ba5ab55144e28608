package charts

import (
	"errors"
	"fmt"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/learn-gomlx/advanced-cnn/lib/seeds"
)

// SpreadOptions tune SeedSpread. The zero value gives the default chart.
type SpreadOptions struct {
	// Title is the chart's title; empty means one naming the net.
	Title string
	// Width and Height are the chart's size in pixels; 0 means 900 by 600.
	Width, Height int
}

// spreadColors are the sets' colours, in order: Go's, then PyTorch's.
var spreadColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"}

// SeedSpread draws the final test accuracy of each seed of one net for each
// set of runs (Go's and PyTorch's): one point per seed, the seed on the
// horizontal axis, and for each set a dashed line at its mean and a shaded
// band one standard deviation either side, so the two spreads can be
// compared at a glance.
func SeedSpread(sets []seeds.Set, o SpreadOptions) (*Figure, error) {
	if len(sets) == 0 {
		return nil, errors.New("charts: the seed spread needs at least one set of runs")
	}
	var err error
	if o.Width, o.Height, err = spreadSize.apply(o.Width, o.Height); err != nil {
		return nil, err
	}
	var allSeeds []int64
	lo, hi := 100.0, 0.0
	for _, s := range sets {
		if len(s.Runs) == 0 {
			return nil, fmt.Errorf("charts: the %s runs of %s are empty", s.Framework, s.Net)
		}
		for _, r := range s.Runs {
			if !slices.Contains(allSeeds, r.Seed) {
				allSeeds = append(allSeeds, r.Seed)
			}
			lo, hi = min(lo, r.Final()), max(hi, r.Final())
		}
		lo, hi = min(lo, s.Mean()-s.SD()), max(hi, s.Mean()+s.SD())
	}
	slices.Sort(allSeeds)
	if o.Title == "" {
		o.Title = fmt.Sprintf("%s: final test accuracy of each seed after %d epochs", sets[0].Net, len(sets[0].Runs[0].Epochs))
	}
	cats := make([]string, len(allSeeds))
	for i, s := range allSeeds {
		cats[i] = fmt.Sprintf("seed %d", s)
	}
	subtitle := ""
	for i, s := range sets {
		if i > 0 {
			subtitle += "; "
		}
		subtitle += fmt.Sprintf("%s: %.2f ± %.2f %% (mean ± sd of %d runs)", s.Framework, s.Mean(), s.SD(), len(s.Runs))
	}

	line := charts.NewLine()
	line.SetGlobalOptions(append(frame(o.Width, o.Height, o.Title, subtitle),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "58"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithGridOpts(opts.Grid{Left: "80", Right: "190", Top: "100", Bottom: "60"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: cats, Name: "seed", NameLocation: "middle", NameGap: 30,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "test accuracy after the last epoch (%)", NameLocation: "middle", NameGap: 55,
			Min: round(lo-0.1, 1), Max: round(hi+0.1, 1), AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
	)...)
	line.SetXAxis(cats)
	symbols := []string{"circle", "diamond", "triangle", "rect"}
	for i, s := range sets {
		color := spreadColors[i%len(spreadColors)]
		data := make([]opts.LineData, len(allSeeds))
		for j, seed := range allSeeds {
			data[j] = opts.LineData{Value: "-"} // echarts' empty value: no point for a seed this set lacks
			for _, r := range s.Runs {
				if r.Seed == seed {
					data[j] = opts.LineData{Value: round(r.Final(), 2)}
				}
			}
		}
		mean, sd := s.Mean(), s.SD()
		line.AddSeries(s.Framework, data,
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), Symbol: symbols[i%len(symbols)], SymbolSize: 13}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 0, Opacity: opts.Float(0)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: []string{"right", "left"}[i%2], Color: color}),
			charts.WithMarkLineNameYAxisItemOpts(
				opts.MarkLineNameYAxisItem{Name: fmt.Sprintf("%s mean %.2f", s.Framework, mean), YAxis: round(mean, 3)}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
				Label:     &opts.Label{Show: opts.Bool(true), Formatter: "{b}", Position: "end", Color: color},
				LineStyle: &opts.LineStyle{Type: "dashed", Color: color, Width: 1.5}}),
			// The band of one standard deviation either side of the mean.
			charts.WithMarkAreaNameCoordItemOpts(opts.MarkAreaNameCoordItem{
				Name:        fmt.Sprintf("%s ± sd", s.Framework),
				Coordinate0: []interface{}{cats[0], round(mean+sd, 3)},
				Coordinate1: []interface{}{cats[len(cats)-1], round(mean-sd, 3)},
				ItemStyle:   &opts.ItemStyle{Color: color, Opacity: opts.Float(0.12)},
			}),
			charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{Label: &opts.Label{Show: opts.Bool(false)}}),
		)
	}
	return NewFigure(line, o.Title, o.Width, o.Height), nil
}
