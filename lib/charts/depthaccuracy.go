package charts

import (
	"fmt"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/learn-gomlx/advanced-cnn/lib/depth"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
)

// DepthAccuracy draws accuracy against depth, one line per kind of net, in
// two panels side by side: on the training images each net trained on
// (left: how well it fits them, where degradation shows) and on the test
// images (right). Colours are those of the deepest nets in GradientNorms.
func DepthAccuracy(results []depth.Result, o DepthOptions) (*Figure, error) {
	_, depths, o, err := depthFigure(results, o)
	if err != nil {
		return nil, err
	}
	var kinds []models.DeepKind
	steps := 0
	for _, r := range results {
		if !slices.Contains(kinds, kindOf(r)) {
			kinds = append(kinds, kindOf(r))
		}
		if r.TrainImages == 0 {
			return nil, fmt.Errorf("charts: %s has no training accuracy (it trained on no images)", r.Name)
		}
		steps = max(steps, len(r.Losses))
	}
	if o.Title == "" {
		o.Title = "Accuracy against depth"
	}
	if o.Subtitle == "" {
		o.Subtitle = fmt.Sprintf("After %d steps of batch %d. Left: on the training images each net trained on. Right: on the test images. Solid: plain; dashed: residual.", steps, recipe.BatchSize)
	}
	xAxis := func(grid int, name string) opts.XAxis {
		return opts.XAxis{Type: "value", Name: name, NameLocation: "middle", NameGap: 28, GridIndex: grid,
			Min: 0, Max: depths[len(depths)-1] + 1, MinInterval: 1}
	}
	yAxis := func(grid int, name string) opts.YAxis {
		return opts.YAxis{Type: "value", Name: name, NameLocation: "middle", NameGap: 40, GridIndex: grid, Min: 0, Max: 100}
	}
	line := panels(o, 70, 20, 60,
		[]opts.XAxis{xAxis(0, "3x3 layers · training images"), xAxis(1, "3x3 layers · test images")},
		[]opts.YAxis{yAxis(0, "accuracy (%)"), yAxis(1, "")})
	for _, k := range kinds {
		c := kindColors[k][depthShades-1]
		ls := opts.LineStyle{Color: c, Width: 2}
		if k.Blocks() {
			ls.Type = "dashed"
		}
		for grid := range 2 {
			var data []opts.LineData
			for _, d := range depths {
				for _, r := range results {
					if kindOf(r) == k && r.Depth == d {
						acc := r.TrainAccuracy
						if grid == 1 {
							acc = r.TestAccuracy
						}
						data = append(data, opts.LineData{Value: []any{d, sig(100*acc, 4)}})
					}
				}
			}
			line.AddSeries(string(k), data,
				charts.WithLineChartOpts(opts.LineChart{XAxisIndex: grid, YAxisIndex: grid, ShowSymbol: opts.Bool(true), Symbol: "circle", SymbolSize: 7}),
				charts.WithLineStyleOpts(ls),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: c}))
		}
	}
	return NewFigure(line, o.Title, o.Width, o.Height), nil
}
