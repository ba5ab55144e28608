package charts

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

var idAndKey = regexp.MustCompile(`var id = "([^"]+)", key = "([^"]+)";`)

// recorder is a fake notebook: it keeps every update of every output block.
type recorder struct {
	ids   []string
	htmls []string
}

func (r *recorder) update(id, html string) {
	r.ids = append(r.ids, id)
	r.htmls = append(r.htmls, html)
}

func (r *recorder) last() string { return r.htmls[len(r.htmls)-1] }

// feed plays a training of 2 epochs of 20 steps, a log line every 10 steps, through hooks.
func feed(t *testing.T, hooks training.Hooks) {
	t.Helper()
	for e := 1; e <= 2; e++ {
		for s := 1; s <= 20; s++ {
			g := (e-1)*20 + s
			if err := hooks.OnStep(training.Progress{Epoch: e, Epochs: 2, Step: s, StepsPerEpoch: 20, GlobalStep: g, AllSteps: 40,
				Loss: 1 / float64(g), Elapsed: time.Duration(g) * 100 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if s%10 == 0 {
				if err := hooks.OnLog(training.LogLine{Epoch: e, Batch: s, GlobalStep: g, MeanLoss: 0.5 / float64(g)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := hooks.OnEpoch(training.EpochResult{Epoch: e, Steps: 20, TestAccuracy: 0.5 + 0.25*float64(e)}); err != nil {
			t.Fatal(err)
		}
	}
}

func liveConfig() training.Config {
	cfg := training.DefaultConfig("resnet")
	cfg.Epochs, cfg.LogEvery = 2, 10
	return cfg
}

func TestLive(t *testing.T) {
	tests := []struct {
		name       string
		every      time.Duration
		start      bool
		minUpdates int // including Finish's
		maxUpdates int
	}{
		// Every event redraws: the first step, 40 steps, 4 log lines, 2 epochs, Finish.
		{name: "unthrottled", every: time.Nanosecond, minUpdates: 40, maxUpdates: 60},
		// Throttled: the first hook call, each epoch, and Finish.
		{name: "throttled", every: time.Hour, minUpdates: 4, maxUpdates: 4},
		{name: "throttled, started", every: time.Hour, start: true, minUpdates: 4, maxUpdates: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			l, err := NewLive(liveConfig(), LiveOptions{Backend: "xla:cpu", References: []Run{LessonRun()}, Every: tc.every, Update: rec.update})
			if err != nil {
				t.Fatal(err)
			}
			if tc.start {
				if err := l.Start(); err != nil {
					t.Fatal(err)
				}
				if len(rec.htmls) != 1 || !strings.Contains(rec.htmls[0], "PyTorch (the lesson's log)") {
					t.Fatalf("Start showed %d outputs, want 1 with the reference", len(rec.htmls))
				}
			}
			var logs, epochs int
			feed(t, l.Hooks(training.Hooks{
				OnLog:   func(training.LogLine) error { logs++; return nil },
				OnEpoch: func(training.EpochResult) error { epochs++; return nil },
			}))
			if logs != 4 || epochs != 2 {
				t.Errorf("the next hooks saw %d log lines and %d epochs, want 4 and 2", logs, epochs)
			}
			if err := l.Finish(nil); err != nil {
				t.Fatal(err)
			}
			if n := len(rec.htmls); n < tc.minUpdates || n > tc.maxUpdates {
				t.Errorf("%d updates, want %d to %d", n, tc.minUpdates, tc.maxUpdates)
			}
			for _, id := range rec.ids {
				if id != rec.ids[0] {
					t.Fatalf("updates went to output blocks %q and %q, want one", rec.ids[0], id)
				}
			}
			// Each redraw draws into a new element, under the same key.
			ids, keys := map[string]bool{}, map[string]bool{}
			for _, h := range rec.htmls {
				m := idAndKey.FindStringSubmatch(h)
				if m == nil {
					t.Fatalf("no element id and key in an update:\n%.500s", h)
				}
				ids[m[1]], keys[m[2]] = true, true
			}
			if len(ids) != len(rec.htmls) || len(keys) != 1 {
				t.Errorf("%d updates used %d element ids and %d keys, want %d and 1", len(rec.htmls), len(ids), len(keys), len(rec.htmls))
			}
			final := rec.last()
			for _, want := range []string{"finished: 2 epochs, test accuracy 100.00 %", "[2,100]", "[1,75]", "[1.5,0.0167]",
				"Go: resnet on xla:cpu", "PyTorch (the lesson's log)"} {
				if !strings.Contains(final, want) {
					t.Errorf("the final chart lacks %q", want)
				}
			}
			for _, series := range strings.Split(final, `{"name":`)[1:] {
				red := strings.Contains(series, `"color":"#d62728"`)
				if mine := strings.HasPrefix(series, `"Go: resnet on xla:cpu"`); mine != red {
					t.Errorf("series %.40s...: red %v, want red only for the run being trained", series, red)
				}
			}
			if strings.Contains(final, LibraryMarker) {
				t.Error("a live update carries the echarts library; DisplayLibrary shows it once")
			}
			// After Finish, the hooks change nothing.
			n := len(rec.htmls)
			feed(t, l.Hooks(training.Hooks{}))
			if len(rec.htmls) != n {
				t.Errorf("hooks called after Finish redrew the chart")
			}
			if h := l.History(); len(h.Logs) != 4 || len(h.Epochs) != 2 {
				t.Errorf("History: %d logs, %d epochs, want 4 and 2", len(h.Logs), len(h.Epochs))
			}
		})
	}
}

func TestLiveStatusLine(t *testing.T) {
	rec := &recorder{}
	l, err := NewLive(liveConfig(), LiveOptions{Every: time.Nanosecond, Update: rec.update})
	if err != nil {
		t.Fatal(err)
	}
	hooks := l.Hooks(training.Hooks{})
	for s := 1; s <= 5; s++ {
		if err := hooks.OnStep(training.Progress{Epoch: 1, Epochs: 2, Step: s, StepsPerEpoch: 20, GlobalStep: s, AllSteps: 40, Loss: 0.05 * float64(s),
			Elapsed: time.Duration(s) * 400 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	if want := "training: epoch 1 of 2 · step 5 of 20 · loss 0.250 · 2.5 steps/s · 2s elapsed"; !strings.Contains(rec.last(), want) {
		t.Errorf("status line missing %q in\n%s", want, rec.last())
	}
	// Finish with the history Train returned: it wins over what the hooks saw.
	h := testHistory("resnet", "go")
	if err := l.Finish(h); err != nil {
		t.Fatal(err)
	}
	if want := "finished: 2 epochs, test accuracy 92.46 %"; !strings.Contains(rec.last(), want) {
		t.Errorf("final status missing %q", want)
	}
}

// outsideNotebook skips the test where it runs in a notebook, where the
// figures are drawn instead of checked.
func outsideNotebook(t *testing.T) {
	t.Helper()
	if InNotebook() {
		t.Skip("running in a notebook")
	}
}

func TestLiveOutsideNotebook(t *testing.T) {
	outsideNotebook(t)
	l, err := NewLive(liveConfig(), LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	next := training.Hooks{OnEpoch: func(training.EpochResult) error { return stop }}
	hooks := l.Hooks(next)
	if hooks.OnStep != nil || hooks.OnLog != nil {
		t.Error("outside a notebook, Hooks added hooks; want next unchanged")
	}
	if err := hooks.OnEpoch(training.EpochResult{}); err != stop {
		t.Errorf("next's OnEpoch not passed through: %v", err)
	}
	if err := l.Start(); err != nil {
		t.Error(err)
	}
	if err := l.Finish(nil); err != nil {
		t.Error(err)
	}
}

func TestNewLiveErrors(t *testing.T) {
	bad := liveConfig()
	bad.Model = "lenet"
	tests := []struct {
		name string
		cfg  training.Config
		o    LiveOptions
		want string
	}{
		{"bad config", bad, LiveOptions{}, "unknown model"},
		{"negative interval", liveConfig(), LiveOptions{Every: -time.Second}, "negative"},
		{"reference without history", liveConfig(), LiveOptions{References: []Run{{Label: "ref"}}}, "no history"},
		{"duplicate label", liveConfig(), LiveOptions{Label: "PyTorch (the lesson's log)", References: []Run{LessonRun()}}, "different labels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLive(tc.cfg, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewLive error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestDisplayOutsideNotebook(t *testing.T) {
	outsideNotebook(t)
	fig, err := LayerCost(testTable(), CostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"display", func() error { return Display(fig) }, ""},
		{"nothing to display", func() error { return Display() }, "nothing"},
		{"bad figure", func() error { return Display(&Figure{}) }, "without a chart"},
		{"library installed", func() error { return DisplayLibrary(fakeLib(t)) }, ""},
		{"library missing", func() error { return DisplayLibrary(Options{EchartsJS: "/nowhere.js"}) }, "make setup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if tc.want == "" && err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
