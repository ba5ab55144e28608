package charts

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/lessonlog"
	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// Run is one training history drawn by TrainingCurves.
type Run struct {
	// Label names the run in the legend; empty means "Go: <model> on <backend>".
	Label string
	// History is the run's record: its loss log lines and epoch results.
	History *training.History
	// Dashed draws the run's lines dashed, as for a reference.
	Dashed bool
	// Color is the run's CSS colour; empty picks the next one of a palette.
	Color string
	// StepsPerEpoch places the loss log lines on the epoch axis; 0 means
	// the history's own (its epochs' Steps, else its training-set size over
	// the batch size).
	StepsPerEpoch int
}

// XAxis chooses what the horizontal axis of training curves counts.
type XAxis int

const (
	// ByEpoch places points at epochs of training: 1.5 is half-way through the second epoch.
	ByEpoch XAxis = iota
	// ByStep places points at training steps (batches) since the start.
	ByStep
)

// CurveOptions tune TrainingCurves. The zero value gives the default chart.
type CurveOptions struct {
	// Title is the chart's title; empty means "Training curves".
	Title string
	// Subtitle is a line under the title; empty means one describing the data.
	Subtitle string
	// XAxis chooses epochs (the default) or training steps.
	XAxis XAxis
	// LinearLoss draws the loss on a linear scale instead of a logarithmic one.
	LinearLoss bool
	// Epochs, when positive, fixes the epoch axis to run from 0 to Epochs
	// (a live chart shows the whole planned run from the start).
	Epochs int
	// Width and Height are the chart's size in pixels; 0 means 900 by 640.
	Width, Height int
}

// palette are the colours given to runs without one, in order.
var palette = [...]string{"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"}

// LessonRun is the lesson's own PyTorch log (lessonlog.Lesson) as a dashed
// reference run labelled "PyTorch (the lesson's log)". Should the log not
// read, the run has no figures and its label says why.
func LessonRun() Run {
	r := Run{Label: "PyTorch (the lesson's log)", Dashed: true, Color: "#555555"}
	h, err := lessonlog.Lesson()
	if err != nil {
		r.Label += ": " + err.Error()
		h = &training.History{}
	}
	r.History = h
	return r
}

const (
	legendRowHeight = 24  // pixels per row of legend entries
	legendMargin    = 60  // pixels left free beside the legend
	legendCharWidth = 7.5 // pixels per character of a legend label, echarts' 12 px sans-serif, generously
	legendItemExtra = 45  // pixels of an entry besides its label: the line symbol and the gap
)

// legendRows estimates how many rows the legend of runs takes in a chart
// width pixels wide, the way echarts wraps a plain legend.
func legendRows(runs []Run, width int) int {
	avail := float64(width - legendMargin)
	rows, x := 1, 0.0
	for _, r := range runs {
		w := legendItemExtra + legendCharWidth*float64(len([]rune(r.label())))
		if x > 0 && x+w > avail {
			rows, x = rows+1, 0
		}
		x += w
	}
	return rows
}

// stepsPerEpoch returns the steps of an epoch of r's history, or 0 if unknown.
func (r Run) stepsPerEpoch() int {
	if r.StepsPerEpoch > 0 {
		return r.StepsPerEpoch
	}
	for _, e := range r.History.Epochs {
		if e.Steps > 0 {
			return e.Steps
		}
	}
	return recipe.Steps(r.History.Train, r.History.Config.BatchSize)
}

func (r Run) label() string {
	if r.Label != "" {
		return r.Label
	}
	h := r.History
	backend := h.Backend
	if backend == "" {
		backend = "an unknown backend"
	}
	s := fmt.Sprintf("Go: %s on %s", h.Config.Model, backend)
	if h.Train > 0 && h.Train != recipe.TrainImages {
		s += fmt.Sprintf(", %s training images", cost.Thousands(int64(h.Train)))
	}
	return s
}

// round keeps d decimals.
func round(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}

// TrainingCurves draws one or more training runs in two panels sharing the
// horizontal axis (epochs, or steps): above, the mean training loss of each
// window of Config.LogEvery batches (the lesson's "[epoch, batch] loss" lines),
// on a logarithmic scale; below, the test accuracy after each epoch, in
// percent. Each run has one colour and one legend entry for both panels;
// add LessonRun() for the lesson's PyTorch log as a dashed reference.
// A run with no log lines or epochs yet draws nothing but its legend entry.
func TrainingCurves(runs []Run, o CurveOptions) (*Figure, error) {
	if len(runs) == 0 {
		return nil, errors.New("charts: training curves need at least one run")
	}
	var err error
	if o.Width, o.Height, err = twoPanelSize.named("a chart of training curves").apply(o.Width, o.Height); err != nil {
		return nil, err
	}
	if o.Title == "" {
		o.Title = "Training curves"
	}
	var logEvery []int
	labels := map[string]bool{}
	for i, r := range runs {
		if r.History == nil {
			return nil, fmt.Errorf("charts: run %d (%q) has no history", i+1, r.Label)
		}
		if labels[r.label()] {
			return nil, fmt.Errorf("charts: two runs are labelled %q; give them different labels", r.label())
		}
		labels[r.label()] = true
		if len(r.History.Logs) > 0 && r.stepsPerEpoch() == 0 && o.XAxis == ByEpoch {
			return nil, fmt.Errorf("charts: run %q: can't place its loss log on the epoch axis: "+
				"its history says neither the steps of an epoch nor the training-set size and batch size", r.label())
		}
		if n := r.History.Config.LogEvery; n > 0 && len(r.History.Logs) > 0 && !slices.Contains(logEvery, n) {
			logEvery = append(logEvery, n)
		}
	}
	if o.Subtitle == "" {
		slices.Sort(logEvery)
		window := "each window of batches"
		if len(logEvery) > 0 {
			ns := make([]string, len(logEvery))
			for i, n := range logEvery {
				ns[i] = fmt.Sprint(n)
			}
			window = fmt.Sprintf("each window of %s batches", strings.Join(ns, " or "))
		}
		o.Subtitle = fmt.Sprintf("Top: mean training loss of %s. Bottom: accuracy on the test images after each epoch.", window)
	}

	xName, xMax := "epochs of training (1 = one pass over the training images)", any(nil)
	if o.XAxis == ByStep {
		xName = "training steps (batches) since the start"
	} else {
		epochs := o.Epochs
		if epochs <= 0 {
			for _, r := range runs {
				epochs = max(epochs, len(r.History.Epochs), r.History.Config.Epochs)
				if n := len(r.History.Logs); n > 0 && r.stepsPerEpoch() > 0 {
					epochs = max(epochs, int(math.Ceil(float64(r.History.Logs[n-1].GlobalStep)/float64(r.stepsPerEpoch()))))
				}
			}
		}
		if epochs > 0 {
			xMax = epochs
		}
	}
	lossAxis := opts.YAxis{Type: "log", Name: "training loss (log scale)", NameLocation: "middle", NameGap: 50,
		GridIndex: 0, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}
	if o.LinearLoss {
		lossAxis.Type, lossAxis.Name = "value", "training loss"
	}
	accAxis := opts.YAxis{Type: "value", Name: "test accuracy (%)", NameLocation: "middle", NameGap: 50,
		GridIndex: 1, Scale: opts.Bool(true), AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}
	xAxis := func(grid int) opts.XAxis {
		return opts.XAxis{Type: "value", Name: xName, NameLocation: "middle", NameGap: 28, GridIndex: grid, Min: 0, Max: xMax}
	}

	// Panels: the loss takes ~55 % of the plot height, the accuracy the rest.
	// The legend wraps to as many rows as the runs' labels need (a scrolling
	// legend would hide runs in a static picture); each row moves the plots down.
	top, gap, bottom := 100+legendRowHeight*(legendRows(runs, o.Width)-1), 70, 50
	plot := o.Height - top - gap - bottom
	lossH := plot * 55 / 100
	line := charts.NewLine()
	line.SetGlobalOptions(append(frame(o.Width, o.Height, o.Title, o.Subtitle),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "plain", Top: "58", Left: "center", Width: fmt.Sprint(o.Width - legendMargin)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithGridOpts(
			opts.Grid{Left: "80", Right: "30", Top: fmt.Sprint(top), Height: fmt.Sprint(lossH)},
			opts.Grid{Left: "80", Right: "30", Top: fmt.Sprint(top + lossH + gap), Height: fmt.Sprint(plot - lossH)},
		),
		charts.WithXAxisOpts(xAxis(0)),
		charts.WithYAxisOpts(lossAxis),
	)...)
	line.ExtendXAxis(xAxis(1))
	line.ExtendYAxis(accAxis)

	for i, r := range runs {
		color := r.Color
		if color == "" {
			color = palette[i%len(palette)]
		}
		style := opts.LineStyle{Color: color, Width: 2}
		if r.Dashed {
			style.Type = "dashed"
		}
		steps := r.stepsPerEpoch()
		var loss []opts.LineData
		for _, l := range r.History.Logs {
			if l.MeanLoss <= 0 && !o.LinearLoss {
				continue // a log scale has no place for it
			}
			x := float64(l.GlobalStep)
			if o.XAxis == ByEpoch {
				x = round(x/float64(steps), 3)
			}
			loss = append(loss, opts.LineData{Value: []float64{x, round(l.MeanLoss, 4)}})
		}
		var acc []opts.LineData
		for _, e := range r.History.Epochs {
			x := float64(e.Epoch)
			if o.XAxis == ByStep {
				x = float64(e.Epoch * steps)
			}
			acc = append(acc, opts.LineData{Value: []float64{x, round(100*e.TestAccuracy, 2)}})
		}
		name := r.label()
		line.AddSeries(name, loss,
			charts.WithLineChartOpts(opts.LineChart{XAxisIndex: 0, YAxisIndex: 0, ShowSymbol: opts.Bool(true), Symbol: "circle", SymbolSize: 4}),
			charts.WithLineStyleOpts(style),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
		line.AddSeries(name, acc,
			charts.WithLineChartOpts(opts.LineChart{XAxisIndex: 1, YAxisIndex: 1, ShowSymbol: opts.Bool(true), Symbol: "circle", SymbolSize: 7}),
			charts.WithLineStyleOpts(style),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
	}
	return NewFigure(line, o.Title, o.Width, o.Height), nil
}
