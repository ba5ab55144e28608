package charts

import (
	"errors"
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// InNotebook reports whether the program runs in a GoNB notebook cell.
func InNotebook() bool { return gonbui.IsNotebook }

// DisplayLibrary shows the echarts library that o selects in the notebook,
// as an output that shows nothing, so that every chart of the notebook can
// be drawn: call it once, in a cell near the top, before any chart. The
// output is kept in the saved notebook, so charts also draw when the
// notebook is opened again (if it is trusted) or converted to HTML. Outside
// a notebook it only checks that the library is there.
func DisplayLibrary(o Options) error {
	lib, err := LibraryHTML(o)
	if err != nil {
		return err
	}
	if !InNotebook() {
		return nil
	}
	gonbui.DisplayHTML(lib)
	// Without Sync, an output this large (about 1 MB) can be lost when the cell's program exits.
	gonbui.Sync()
	return gonbui.Error()
}

// Display shows the figures in the notebook, each as an HTML snippet that
// draws once DisplayLibrary's library is loaded. Outside a notebook it only
// renders them, to report errors.
func Display(figs ...*Figure) error {
	return displayHTML("charts: nothing to display", figs)
}

// htmlSnippet is what Display and DisplayImages show: a Figure or an ImageGrid.
type htmlSnippet interface{ HTML() (string, error) }

// displayHTML renders parts into one HTML output of the notebook, or, outside
// a notebook, only renders them, to report errors. With no parts it returns
// an error whose message is none.
func displayHTML[T htmlSnippet](none string, parts []T) error {
	if len(parts) == 0 {
		return errors.New(none)
	}
	var b strings.Builder
	for _, p := range parts {
		s, err := p.HTML()
		if err != nil {
			return err
		}
		b.WriteString(s)
	}
	if !InNotebook() {
		return nil
	}
	gonbui.DisplayHTML(b.String())
	gonbui.Sync()
	return gonbui.Error()
}

// DefaultLiveEvery is the least time between two redraws of a live chart.
const DefaultLiveEvery = 2 * time.Second

// LiveOptions configure a Live chart.
type LiveOptions struct {
	// Curves are the chart's options; Curves.Epochs defaults to the planned epochs.
	Curves CurveOptions
	// Label names the run being trained in the legend; empty means "Go: <model> on <backend>".
	Label string
	// Backend names the backend in the default label, e.g. "xla:cpu".
	Backend string
	// References are runs drawn from the start, for comparison, e.g. LessonRun().
	References []Run
	// Every is the least time between two redraws (DefaultLiveEvery when 0).
	// The chart is also redrawn after every epoch and by Finish.
	Every time.Duration
	// Update shows html in the output block displayID, creating it the first
	// time. Nil means gonbui.UpdateHTML in a notebook; outside one, with no
	// Update, the Live chart does nothing.
	Update func(displayID, html string)
}

// Live is a training-curves chart shown once in a notebook cell and redrawn
// in place while the net trains, fed by the training.Hooks that Hooks
// returns, with a status line under it (epoch, step, loss, speed). The run
// being trained is drawn in red, over the references of LiveOptions. Redraws
// are throttled to one per LiveOptions.Every, besides one after each epoch.
// Finish draws the final chart, which stays in the saved notebook.
//
// Outside a notebook (and with no LiveOptions.Update) it does nothing: Hooks
// returns its argument unchanged. Its methods may be called from any goroutine.
type Live struct {
	mu        sync.Mutex
	active    bool
	update    func(displayID, html string)
	o         LiveOptions
	displayID string
	fig       string // the chart's key, the same in every redraw
	h         training.History
	steps     int // steps per epoch, once known
	firstStep int // global step of the first step seen, for the rate
	status    string
	last      time.Time
	started   bool
	finished  bool
	err       error // the first rendering error
}

// NewLive prepares a live chart for a run of cfg. It shows nothing until
// Start, or until the hooks are first called.
func NewLive(cfg training.Config, o LiveOptions) (*Live, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Every < 0 {
		return nil, fmt.Errorf("charts: negative live redraw interval %s", o.Every)
	}
	if o.Every == 0 {
		o.Every = DefaultLiveEvery
	}
	if o.Curves.Epochs == 0 && o.Curves.XAxis == ByEpoch {
		o.Curves.Epochs = cfg.Epochs
	}
	o.References = append([]Run(nil), o.References...) // the caller may reuse its slice
	for i, r := range o.References {
		if r.History == nil {
			return nil, fmt.Errorf("charts: reference run %d (%q) has no history", i+1, r.Label)
		}
	}
	l := &Live{o: o, update: o.Update, displayID: "advcnn_live_" + NewID(), fig: NewID(),
		h: training.History{Config: cfg, Backend: o.Backend}, status: "waiting for the first training step"}
	if l.update == nil && InNotebook() {
		l.update = gonbui.UpdateHTML
	}
	l.active = l.update != nil
	// Render once now, so that a bad option is an error here rather than a blank chart later.
	if _, err := l.render(); err != nil {
		return nil, err
	}
	return l, nil
}

// Start shows the chart (the references only, before training). Calling it is
// optional: the first hook call starts the chart too.
func (l *Live) Start() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.active {
		return nil
	}
	l.started = true
	l.drawLocked()
	return l.err
}

// Hooks returns training hooks that feed the chart and then call next's hooks
// (any of which may be nil). Outside a notebook it returns next unchanged.
func (l *Live) Hooks(next training.Hooks) training.Hooks {
	if !l.active {
		return next
	}
	return training.Hooks{
		OnStep:  then(l.onStep, next.OnStep),
		OnLog:   then(l.onLog, next.OnLog),
		OnEpoch: then(l.onEpoch, next.OnEpoch),
	}
}

// then returns a hook that calls mine and then next, when there is one.
func then[T any](mine func(T), next func(T) error) func(T) error {
	return func(v T) error {
		mine(v)
		if next != nil {
			return next(v)
		}
		return nil
	}
}

// record applies change to what the chart shows, under its lock, and
// redraws it (at once when now, else once Every has passed); once
// the chart is finished it ignores change.
func (l *Live) record(now bool, change func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.finished {
		return
	}
	change()
	l.maybeDrawLocked(now)
}

func (l *Live) onStep(p training.Progress) {
	l.record(false, func() { l.step(p) })
}

func (l *Live) onLog(line training.LogLine) {
	l.record(false, func() { l.h.Logs = append(l.h.Logs, line) })
}

func (l *Live) onEpoch(e training.EpochResult) {
	l.record(true, func() {
		l.h.Epochs = append(l.h.Epochs, e)
		l.status = fmt.Sprintf("epoch %d of %d done: test accuracy %.2f %%", e.Epoch, l.h.Config.Epochs, 100*e.TestAccuracy)
	})
}

// step sets the status line from p.
func (l *Live) step(p training.Progress) {
	l.steps = p.StepsPerEpoch
	if l.firstStep == 0 {
		l.firstStep = p.GlobalStep
	}
	rate := ""
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = fmt.Sprintf(" · %.1f steps/s", float64(p.GlobalStep-l.firstStep+1)/s)
	}
	l.status = fmt.Sprintf("training: epoch %d of %d · step %d of %d · loss %.3f%s · %s elapsed",
		p.Epoch, p.Epochs, p.Step, p.StepsPerEpoch, p.Loss, rate, p.Elapsed.Round(time.Second))
}

// Finish draws the final chart from final, the history training.Train
// returned (nil: what the hooks saw), and makes sure it reached the notebook.
// It returns the first error met while drawing. Later hook calls are ignored.
func (l *Live) Finish(final *training.History) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.active {
		return nil
	}
	if final != nil {
		backend := l.h.Backend
		l.h = *final
		if l.h.Backend == "" {
			l.h.Backend = backend
		}
	}
	if e, ok := l.h.Final(); ok {
		var secs float64
		for _, r := range l.h.Epochs {
			secs += r.TrainSeconds + r.EvalSeconds
		}
		l.status = fmt.Sprintf("finished: %s, test accuracy %.2f %% after the last one", plural(e.Epoch, "epoch"), 100*e.TestAccuracy)
		if secs > 0 {
			l.status += fmt.Sprintf(" · %s of training and testing", (time.Duration(secs) * time.Second).Round(time.Second))
		}
	} else {
		l.status = "finished before the first epoch ended"
	}
	l.finished = true
	l.drawLocked()
	if InNotebook() {
		gonbui.Sync()
		if err := gonbui.Error(); err != nil && l.err == nil {
			l.err = err
		}
	}
	return l.err
}

// History returns a copy of what the chart has drawn so far.
func (l *Live) History() *training.History {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.h
	h.Logs = append([]training.LogLine(nil), l.h.Logs...)
	h.Epochs = append([]training.EpochResult(nil), l.h.Epochs...)
	return &h
}

// maybeDrawLocked redraws if forced or if Every has passed since the last redraw.
func (l *Live) maybeDrawLocked(force bool) {
	if force || !l.started || time.Since(l.last) >= l.o.Every {
		l.drawLocked()
	}
}

func (l *Live) drawLocked() {
	l.started = true
	l.last = time.Now()
	s, err := l.render()
	if err != nil {
		if l.err == nil {
			l.err = err
		}
		return
	}
	l.update(l.displayID, s)
}

// render returns the chart and its status line as HTML.
func (l *Live) render() (string, error) {
	// The run being trained is red (the palette's first colour); references without a colour
	// of their own take the next ones.
	runs := append([]Run(nil), l.o.References...)
	for i := range runs {
		if runs[i].Color == "" {
			runs[i].Color = palette[(i+1)%len(palette)]
		}
	}
	runs = append(runs, Run{Label: l.o.Label, History: &l.h, StepsPerEpoch: l.steps, Color: palette[0]})
	fig, err := TrainingCurves(runs, l.o.Curves)
	if err != nil {
		return "", err
	}
	// Each redraw gets a new element: while the notebook replaces the output, the old and the
	// new one may both be in the page, and an id must name one element. The key ties the
	// redraws together, so that each disposes of the chart before it.
	fig.key = l.fig
	s, err := fig.HTML()
	if err != nil {
		return "", err
	}
	return s + fmt.Sprintf(`<div class="advcnn-status" style="font:13px monospace;color:#333;padding:4px 0 0 80px;">%s</div>`,
		html.EscapeString(l.status)), nil
}

// plural is "1 epoch", "2 epochs".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
