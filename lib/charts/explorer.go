package charts

import (
	_ "embed"
	"fmt"
	"html"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/widgets"

	"github.com/learn-gomlx/advanced-cnn/lib/bottleneck"
	"github.com/learn-gomlx/advanced-cnn/lib/cost"
)

// BottleneckCount draws the counted cost of the lesson's example at one
// bottleneck width: two horizontal bars, the plain 5x5 path and the path
// with a 1x1 bottleneck of that width, each split into its layers' millions
// of multiplications per image (1x1 green, 5x5 red) and labelled with its
// total, the counted speed-up in the title and the parameters in the subtitle. It is the chart of notebook
// 01's explorer, redrawn as its slider moves.
func BottleneckCount(p bottleneck.Path) (*Figure, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Width == 0 {
		return nil, fmt.Errorf("charts: BottleneckCount compares a bottleneck path with the plain one; give a width from 1 to %d", bottleneck.InChannels)
	}
	plain, path := bottleneck.Plain.CostTable(), p.CostTable()
	title := fmt.Sprintf("A %d-channel bottleneck: %.2fx fewer multiplications", p.Width, p.TheoreticalSpeedUp())
	if p.TheoreticalSpeedUp() < 1 {
		title = fmt.Sprintf("A %d-channel bottleneck: %.2fx more multiplications", p.Width, 1/p.TheoreticalSpeedUp())
	}
	subtitle := fmt.Sprintf("The lesson's example: 5x5 convolution, 192 to 32 channels, 28x28. Parameters: plain %s, with the bottleneck %s.",
		cost.Thousands(plain.TotalParams()), cost.Thousands(path.TotalParams()))
	millions := func(n int64) float64 { return round(float64(n)/1e6, 2) }
	cats := []string{fmt.Sprintf("plain 5x5: %.2f M", millions(plain.TotalMults())),
		fmt.Sprintf("1x1 to %d, then 5x5: %.2f M", p.Width, millions(path.TotalMults()))}
	oneByOne := []opts.BarData{{Value: 0}, {Value: millions(path.Layers[0].Mults)}}
	five := []opts.BarData{{Value: millions(plain.Layers[0].Mults)}, {Value: millions(path.Layers[1].Mults)}}
	width, height := 900, 260
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(frame(width, height, title, subtitle),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "58"}),
		charts.WithGridOpts(opts.Grid{Left: "20", Right: "90", Top: "95", Bottom: "45", ContainLabel: opts.Bool(true)}),
		// A fixed axis, so that the bars shrink and grow as the slider moves.
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "multiplications per image (millions)", NameLocation: "middle", NameGap: 28,
			Min: 0, Max: 150}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: cats, Inverse: opts.Bool(true)}),
	)...)
	bar.AddSeries("1x1 convolution", oneByOne,
		charts.WithBarChartOpts(opts.BarChart{Stack: "mults", BarWidth: "55%"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#2ca02c"}))
	bar.AddSeries("5x5 convolution", five,
		charts.WithBarChartOpts(opts.BarChart{Stack: "mults", BarWidth: "55%"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#d62728"}))
	return NewFigure(bar, title, width, height), nil
}

// ExplorerOptions configure BottleneckExplorer.
type ExplorerOptions struct {
	// Width is where the slider starts (the lesson's 16 when 0).
	Width int
	// Idle ends the explorer after this long without a move of the slider (5 minutes when 0).
	Idle time.Duration
	// Wait is how long the front-end has to connect the slider to the kernel:
	// ADVCNN_EXPLORER_WAIT seconds when 0, else 30 s.
	Wait time.Duration
	// Fallback are the widths drawn, one chart each, where no slider can be
	// shown (a headless run): 4, 16 and 64 when nil.
	Fallback []int
}

// BottleneckExplorer shows, in a notebook, a slider for the bottleneck width
// (1 to 192 channels) over BottleneckCount's chart, which is redrawn as the
// slider moves, until o.Idle passes without a move or the cell is
// interrupted. The slider is a GoNB widget (gonbui/widgets), which needs
// JupyterLab's page to connect to the kernel; GonbPatienceJS makes the page
// wait o.Wait for the kernel's answer, not GoNB's 500 ms
// (docs/gonb-widget-race.md). Where the slider is not connected within
// o.Wait (as in a headless run, which has no page), the slider's place says
// so and what to do (WidgetFailedHTML), and the explorer draws the chart for
// each width of o.Fallback instead and returns. It reports which of the two it did to w.
// Outside a notebook it only renders the charts, to report errors.
func BottleneckExplorer(w io.Writer, o ExplorerOptions) error {
	if o.Width == 0 {
		o.Width = bottleneck.LessonWidth
	}
	if o.Idle == 0 {
		o.Idle = 5 * time.Minute
	}
	if o.Wait == 0 {
		o.Wait = 30 * time.Second
		if s := os.Getenv(EnvExplorerWait); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return fmt.Errorf("charts: %s=%q: want a number of seconds, at least 1", EnvExplorerWait, s)
			}
			o.Wait = time.Duration(n) * time.Second
		}
	}
	if o.Fallback == nil {
		o.Fallback = []int{4, 16, 64}
	}
	if _, err := BottleneckCount(bottleneck.WithWidth(o.Width)); err != nil {
		return err
	}
	if !InNotebook() {
		for _, width := range o.Fallback {
			if _, err := BottleneckCount(bottleneck.WithWidth(width)); err != nil {
				return err
			}
		}
		return nil
	}
	// The slider's place, which the sentence replaces if it cannot connect. Its script, before
	// any use of gonbui/comms, makes GoNB's page wait for the kernel as long as this does.
	box := "advcnn_explorer_slider_" + NewID()
	gonbui.UpdateHTML(box, fmt.Sprintf(`<div id="%s"></div><script>%s</script>`, box, GonbPatienceJS(o.Wait)))
	gonbui.Sync()
	if err := gonbui.Error(); err != nil {
		return err
	}
	ready := make(chan *widgets.SliderBuilder, 1)
	go func() { ready <- widgets.Slider(1, bottleneck.InChannels, o.Width).AppendTo(box).Done() }()
	var slider *widgets.SliderBuilder
	select {
	case slider = <-ready:
	case <-time.After(o.Wait):
		gonbui.UpdateHTML(box, WidgetFailedHTML(o.Wait))
		fmt.Fprintf(w, "The slider got no answer from the page in %s (a headless run has none; in JupyterLab, run the cell again): drawing widths %v instead.\n", o.Wait, o.Fallback)
		for _, width := range o.Fallback {
			fig, err := BottleneckCount(bottleneck.WithWidth(width))
			if err != nil {
				return err
			}
			if err := Display(fig); err != nil {
				return err
			}
		}
		return nil
	}
	updates := slider.Listen().LatestOnly()
	defer updates.Close()
	id := "advcnn_explorer_" + NewID()
	draw := func(width int) error {
		fig, err := BottleneckCount(bottleneck.WithWidth(width))
		if err != nil {
			return err
		}
		s, err := fig.HTML()
		if err != nil {
			return err
		}
		gonbui.UpdateHTML(id, s)
		return gonbui.Error()
	}
	if err := draw(o.Width); err != nil {
		return err
	}
	fmt.Fprintf(w, "Move the slider: the chart follows. The explorer stops after %s without a move (or interrupt the kernel, ■).\n", o.Idle)
	idle := time.NewTimer(o.Idle)
	defer idle.Stop()
	for {
		select {
		case width, ok := <-updates.C:
			if !ok {
				return nil
			}
			if width < 1 || width > bottleneck.InChannels {
				continue
			}
			if err := draw(width); err != nil {
				return err
			}
			idle.Reset(o.Idle)
		case <-idle.C:
			fmt.Fprintf(w, "The explorer stopped after %s without a move: run the cell again to restart it.\n", o.Idle)
			return nil
		}
	}
}

// EnvExplorerWait names the environment variable that sets, in seconds, how
// long BottleneckExplorer waits for JupyterLab's page to connect its slider
// (default 30).
const EnvExplorerWait = "ADVCNN_EXPLORER_WAIT"

//go:embed gonb_patience.js
var gonbPatienceJS string

// GonbPatienceJS is the script that makes GoNB's page wait up to patience for
// the kernel's answer when it connects a widget, instead of GoNB's 500 ms
// (docs/gonb-widget-race.md). It must reach the page before the cell's first
// use of gonbui/comms (a widget's Done, comms.Listen).
func GonbPatienceJS(patience time.Duration) string {
	return strings.ReplaceAll(gonbPatienceJS, "__PATIENCE_MS__", strconv.FormatInt(patience.Milliseconds(), 10))
}

// WidgetFailedHTML is what a widget's place shows when the page could not
// connect it to the kernel within wait: a sentence saying what to do.
func WidgetFailedHTML(wait time.Duration) string {
	return `<p class="advcnn-widget-failed" style="color:#a40000;font-weight:bold;">` + html.EscapeString(fmt.Sprintf(
		"The slider could not connect to the Go kernel within %s (the machine may be busy). "+
			"Run this cell again; if the slider still does not appear, use Kernel > Restart Kernel and run the notebook again. "+
			"Meanwhile, the charts below show a few widths.", wait)) + `</p>`
}
