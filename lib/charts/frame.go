package charts

import (
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// frameSize is a kind of chart's default size and the smallest size it can
// be drawn at, in pixels. A chart whose height follows from its data (the
// cost chart) or from its width (the square confusion matrix) has no
// height: 0.
type frameSize struct {
	// what names the kind of chart in errors: "a depth chart".
	what                string
	width, height       int
	minWidth, minHeight int
}

// The size rules of every kind of chart: ConfusionMatrix, LayerCost,
// SeedSpread, the depth charts (GradientNorms, DepthLosses, DepthAccuracy)
// and the two-panel charts (TrainingCurves, BottleneckSweep, each named).
var (
	confusionSize = frameSize{what: "a confusion matrix", width: 640, minWidth: 300}
	costSize      = frameSize{what: "a cost chart", width: 900, minWidth: 300}
	spreadSize    = frameSize{what: "a seed spread", width: 900, height: 600, minWidth: 200, minHeight: 200}
	depthSize     = frameSize{what: "a depth chart", width: 900, height: 520, minWidth: 400, minHeight: 300}
	twoPanelSize  = frameSize{what: "a two-panel chart", width: 900, height: 640, minWidth: 200, minHeight: 300}
)

// named is s for a kind of chart that errors name what.
func (s frameSize) named(what string) frameSize {
	s.what = what
	return s
}

// apply gives zero dimensions the default and refuses a size too small to
// draw the chart, with an error that says the smallest.
func (s frameSize) apply(width, height int) (int, int, error) {
	if width == 0 {
		width = s.width
	}
	if height == 0 {
		height = s.height
	}
	if s.minHeight == 0 {
		if width < s.minWidth {
			return 0, 0, fmt.Errorf("charts: %s %d px wide is too small (at least %d)", s.what, width, s.minWidth)
		}
		return width, height, nil
	}
	if width < s.minWidth || height < s.minHeight {
		return 0, 0, fmt.Errorf("charts: %s of %dx%d px is too small (at least %dx%d)", s.what, width, height, s.minWidth, s.minHeight)
	}
	return width, height, nil
}

// frame returns the global options that every figure starts with: its size
// in pixels, no animation (a figure is drawn once, as it will be read), and
// its title and subtitle at the top left. A figure appends its own legend,
// tooltip, grids and axes.
func frame(width, height int, title, subtitle string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Width: fmt.Sprintf("%dpx", width), Height: fmt.Sprintf("%dpx", height), PageTitle: title}),
		charts.WithAnimation(false),
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: subtitle, Left: "10"}),
	}
}
