package charts

import (
	"errors"
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/learn-gomlx/advanced-cnn/lib/evaluate"
)

// ConfusionOptions tune ConfusionMatrix. The zero value gives the default chart.
type ConfusionOptions struct {
	// Title is the chart's title; empty means "Confusion matrix".
	Title string
	// Subtitle is a line under the title; empty means one with the accuracy.
	Subtitle string
	// Size is the chart's width and height in pixels (0: 640).
	Size int
}

// confusionCell is a heatmap data item with a colour of its own.
type confusionCell struct {
	Value     [3]int         `json:"value"`
	ItemStyle opts.ItemStyle `json:"itemStyle"`
	Label     *opts.Label    `json:"label,omitempty"` // hides the label of an empty cell
}

// ConfusionMatrix draws c as a 10x10 heatmap: one row per true digit (0 at
// the top), one column per predicted digit, each cell labelled with its
// count. The diagonal, the images classified right, is green; the mistakes
// off it are white to red, the more the redder, on a scale of their own
// (the largest mistake count is the darkest red), so that a handful of
// mistakes shows beside a thousand right answers.
func ConfusionMatrix(c *evaluate.Confusion, o ConfusionOptions) (*Figure, error) {
	if c == nil || c.Total() == 0 {
		return nil, errors.New("charts: the confusion matrix counts no images")
	}
	var err error
	if o.Size, _, err = confusionSize.apply(o.Size, 0); err != nil {
		return nil, err
	}
	if o.Title == "" {
		o.Title = "Confusion matrix"
	}
	wrong := c.Total() - c.Right()
	worst := 0
	for t := range 10 {
		for p := range 10 {
			if t != p {
				worst = max(worst, c.Counts[t][p])
			}
		}
	}
	if o.Subtitle == "" {
		o.Subtitle = fmt.Sprintf("%d test images: %d right (%.2f %%, green diagonal), %d wrong (red, darkest: %d)",
			c.Total(), c.Total()-wrong, 100*c.Accuracy(), wrong, worst)
	}
	digits := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	var right, mistakes []confusionCell
	for t := range 10 {
		for p := range 10 {
			n := c.Counts[t][p]
			cell := confusionCell{Value: [3]int{p, t, n}}
			if n == 0 {
				cell.Label = &opts.Label{Show: opts.Bool(false)}
			}
			switch {
			case t == p:
				cell.ItemStyle = opts.ItemStyle{Color: "#a1d99b", BorderColor: "#fff", BorderWidth: 1}
				right = append(right, cell)
			default:
				cell.ItemStyle = opts.ItemStyle{Color: redScale(n, worst), BorderColor: "#eee", BorderWidth: 1}
				mistakes = append(mistakes, cell)
			}
		}
	}
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(append(frame(o.Size, o.Size, o.Title, o.Subtitle),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}), // the subtitle says what the colours mean
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item",
			Formatter: opts.FuncOpts(`function (p) { return "true " + p.value[1] + ", predicted " + p.value[0] + ": " + p.value[2] + " images"; }`)}),
		charts.WithGridOpts(opts.Grid{Left: "70", Right: "20", Top: "90", Bottom: "60"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: digits, Name: "predicted digit", NameLocation: "middle", NameGap: 30,
			SplitArea: &opts.SplitArea{Show: opts.Bool(false)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: digits, Name: "true digit", NameLocation: "middle", NameGap: 35,
			Inverse: opts.Bool(true)}),
	)...)
	label := charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Color: "#222"})
	hm.AddSeries("right", nil, label)
	hm.AddSeries("wrong", nil, label)
	// The cells carry their own colours, which opts.HeatMapData cannot hold.
	hm.MultiSeries[0].Data, hm.MultiSeries[1].Data = right, mistakes
	return NewFigure(hm, o.Title, o.Size, o.Size), nil
}

// redScale is white for 0 and darker red for n closer to worst.
func redScale(n, worst int) string {
	if n == 0 || worst == 0 {
		return "#ffffff"
	}
	f := math.Sqrt(float64(n) / float64(worst)) // a square root, so that one or two mistakes still show
	r := 255 - int(math.Round(f*(255-203)))
	g := 235 - int(math.Round(f*(235-24)))
	b := 230 - int(math.Round(f*(230-29)))
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}
