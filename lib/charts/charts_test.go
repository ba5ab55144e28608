package charts

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/learn-gomlx/advanced-cnn/lib/bottleneck"
	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/errtest"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/lessonlog"
	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// fakeEcharts is a stand-in for echarts.min.js: a UMD module like the real
// one, which defines echarts.init, and holds a "</script>" that must be escaped.
const fakeEcharts = `/* fake echarts for tests */
(function (t, e) {
  "object" == typeof exports && "undefined" != typeof module ? e(exports) :
  "function" == typeof define && define.amd ? define(["exports"], e) :
  e((t = "undefined" != typeof globalThis ? globalThis : t || self).echarts = {});
})(this, function (t) { t.version = "fake-for-tests"; t.note = "</script>"; t.init = function () {}; });
`

// fakeLib writes the fake library to a temporary file and returns Options that select it.
func fakeLib(t *testing.T) Options {
	t.Helper()
	path := filepath.Join(t.TempDir(), "echarts.min.js")
	if err := os.WriteFile(path, []byte(fakeEcharts), 0o644); err != nil {
		t.Fatal(err)
	}
	return Options{EchartsJS: path}
}

// fakeRepo makes a folder that looks like a checkout of this module, with
// the library installed when withLib, and returns it.
func fakeRepo(t *testing.T, module string, withLib bool) string {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+module+"\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "notebooks", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	if withLib {
		lib := filepath.Join(root, echartsRelPath(t))
		if err := os.MkdirAll(filepath.Dir(lib), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(lib, []byte(fakeEcharts), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLibraryPath(t *testing.T) {
	good := fakeRepo(t, layout.ModulePath, true)
	noLib := fakeRepo(t, layout.ModulePath, false)
	other := fakeRepo(t, "example.com/other", true)
	// A checkout of another module inside ours (like GoNB's temporary module) is skipped.
	nested := filepath.Join(good, "notebooks", "deeper")
	if err := os.WriteFile(filepath.Join(nested, "go.mod"), []byte("module gonb_cell\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(t.TempDir(), "empty.js")
	if err := os.WriteFile(emptyFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		o       Options
		env     string
		want    string // the path found
		wantErr []string
	}{
		{name: "module root from a subfolder", o: Options{Dir: filepath.Join(good, "notebooks")}, want: filepath.Join(good, echartsRelPath(t))},
		{name: "nested module skipped", o: Options{Dir: nested}, want: filepath.Join(good, echartsRelPath(t))},
		{name: "module root itself", o: Options{Dir: good}, want: filepath.Join(good, echartsRelPath(t))},
		{name: "option wins over env", o: Options{EchartsJS: filepath.Join(good, echartsRelPath(t)), Dir: noLib}, env: "/nowhere.js", want: filepath.Join(good, echartsRelPath(t))},
		{name: "env wins over module root", o: Options{Dir: noLib}, env: filepath.Join(good, echartsRelPath(t)), want: filepath.Join(good, echartsRelPath(t))},
		{name: "not installed", o: Options{Dir: filepath.Join(noLib, "notebooks")}, wantErr: []string{"make setup", filepath.Join(noLib, echartsRelPath(t)), "missing"}},
		{name: "other module", o: Options{Dir: other}, wantErr: []string{"make setup", layout.ModulePath, EchartsEnvVar}},
		{name: "env file missing", o: Options{Dir: good}, env: "/nowhere/echarts.min.js", wantErr: []string{"make setup", "/nowhere/echarts.min.js", "$" + EchartsEnvVar}},
		{name: "option file missing", o: Options{EchartsJS: "/nowhere/x.js"}, wantErr: []string{"make setup", "/nowhere/x.js", "Options.EchartsJS"}},
		{name: "empty file", o: Options{EchartsJS: emptyFile}, wantErr: []string{"make setup", "empty"}},
		{name: "folder", o: Options{EchartsJS: good}, wantErr: []string{"make setup", "folder"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EchartsEnvVar, tc.env)
			got, err := LibraryPath(tc.o)
			if !errtest.Want(t, err, tc.wantErr...) {
				return
			}
			if got != tc.want {
				t.Errorf("LibraryPath = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLibraryHTML(t *testing.T) {
	s, err := LibraryHTML(fakeLib(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{LibraryMarker, `typeof window.echarts === "undefined"`, "(function (define, module, exports) {",
		"}).call(window);", `t.version = "fake-for-tests"`, `t.note = "<\/script>"`} {
		if !strings.Contains(s, want) {
			t.Errorf("library HTML lacks %q", want)
		}
	}
	if n := strings.Count(strings.ToLower(s), "</script"); n != 1 {
		t.Errorf("library HTML has %d </script, want 1 (its own end)", n)
	}
}

// TestLibraryWrapperHidesRequireJS runs the wrapped library in Node.js with
// an AMD define and CommonJS module/exports around it, as require.js and
// bundlers provide them: window.echarts must still be set, and only once.
func TestLibraryWrapperHidesRequireJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	s, err := LibraryHTML(fakeLib(t))
	if err != nil {
		t.Fatal(err)
	}
	js := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(s, `<script type="text/javascript">`)), "</script>")
	prog := `globalThis.window = globalThis;
var defined = 0;
globalThis.define = function () { defined++; }; globalThis.define.amd = true;
` + js + `
var first = window.echarts;
` + js + `
if (defined !== 0) { throw new Error("the library called define " + defined + " times"); }
if (!first || first.version !== "fake-for-tests") { throw new Error("window.echarts not set: " + JSON.stringify(first)); }
if (window.echarts !== first) { throw new Error("the library ran twice"); }
console.log("ok");
`
	path := filepath.Join(t.TempDir(), "wrapper.js") // run as a CommonJS module: module and exports exist
	if err := os.WriteFile(path, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("node: %v\n%s", err, out)
	}
}

// testHistory is a small history of two epochs of 50 steps, a log line every 10.
func testHistory(model, backend string) *training.History {
	cfg := training.DefaultConfig(model)
	cfg.Epochs, cfg.LogEvery = 2, 10
	h := &training.History{Config: cfg, Backend: backend, Train: 3200, Test: 1000}
	for e := 1; e <= 2; e++ {
		for b := 10; b <= 50; b += 10 {
			h.Logs = append(h.Logs, training.LogLine{Epoch: e, Batch: b, GlobalStep: (e-1)*50 + b, MeanLoss: 2.5 / float64((e-1)*50+b)})
		}
		h.Epochs = append(h.Epochs, training.EpochResult{Epoch: e, Steps: 50, TestAccuracy: 0.9 + 0.0123*float64(e)})
	}
	return h
}

func testSweep(batch int) []bottleneck.SweepPoint {
	var pts []bottleneck.SweepPoint
	for i, w := range []int{0, 4, 16, 192} {
		p := bottleneck.WithWidth(w)
		best := time.Duration(40-8*i) * time.Millisecond
		pts = append(pts, bottleneck.SweepPoint{Path: p, Mults: p.Mults(), Params: p.Params(), TheoreticalSpeedUp: p.TheoreticalSpeedUp(),
			Measurement: bottleneck.Measurement{Path: p, Batch: batch, Backend: "xla", Best: best, Median: best, Times: []time.Duration{best}},
			SpeedUp:     40.0 / float64(40-8*i)})
	}
	return pts
}

func testTable() *cost.Table {
	return &cost.Table{Layers: []cost.Layer{
		{Name: "/conv1", Kind: "conv 5x5", OutShape: []int{10, 24, 24}, Params: 260, Mults: 144000},
		{Name: "/mp1", Kind: "max pool 2", OutShape: []int{10, 12, 12}},
		{Name: "/incep1/branch1x1", Kind: "conv 1x1", OutShape: []int{16, 12, 12}, Params: 176, Mults: 23040},
		{Name: "/incep1/branch3x3_2", Kind: "conv 3x3", OutShape: []int{24, 12, 12}, Params: 3480, Mults: 497664},
		{Name: "/fc", Kind: "linear", OutShape: []int{10}, Params: 14090, Mults: 14080},
	}}
}

var cdnAddress = regexp.MustCompile(`(?i)go-echarts-assets|go-echarts\.github\.io|jsdelivr|unpkg|cdnjs|<script[^>]*\bsrc\s*=`)

func TestPages(t *testing.T) {
	o := fakeLib(t)
	curves := func() (*Figure, error) {
		return TrainingCurves([]Run{{History: testHistory("resnet", "xla:cpu")}, LessonRun()}, CurveOptions{})
	}
	tests := []struct {
		name string
		fig  func() (*Figure, error)
		want []string // in the page, besides the library
	}{
		{"training curves", curves, []string{
			"Go: resnet on xla:cpu, 3,200 training images", "PyTorch (the lesson's log)", `"dashed"`,
			"[0.4,0.125]", "[2,92.46]", // a loss point of the run (step 20 of 50 steps per epoch) and its last accuracy
			"[0.32,0.797]", "[10,98.96]", // the lesson's first loss and last accuracy
			"training loss (log scale)", "test accuracy (%)", "epochs of training",
		}},
		{"training curves by step, linear", func() (*Figure, error) {
			return TrainingCurves([]Run{{Label: "mine", History: testHistory("inception", "go")}}, CurveOptions{XAxis: ByStep, LinearLoss: true, Title: "By step"})
		}, []string{"mine", "[10,0.25]", "[100,92.46]", "training steps", `"By step"`}},
		{"bottleneck sweep", func() (*Figure, error) { return BottleneckSweep(testSweep(8), SweepOptions{}) }, []string{
			"plain 5x5", "16 (lesson)", "120.42", "12.44", "9.68", "38.71", // mults in millions, theoretical speed-ups
			"40", "16", "speed-up over plain 5x5", "time of one batch of 8 (ms)", "batch 8",
		}},
		{"layer cost", func() (*Figure, error) { return LayerCost(testTable(), CostOptions{}) }, []string{
			"incep1/branch1x1  (conv 1x1)", "mp1  (max pool 2)", "21.21", "73.32", "3.39", // shares of 678,784 multiplications
			"678,784", "18,006 parameters", "1x1 convolution", "share of the multiplications (%)",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fig, err := tc.fig()
			if err != nil {
				t.Fatal(err)
			}
			s := pageWith(t, "", o, []*Figure{fig},
				append(tc.want, "fake-for-tests", LibraryMarker, "(function (define, module, exports) {", fig.ID, "echarts.init")...)
			if m := cdnAddress.FindString(s); m != "" {
				t.Errorf("page refers to %q: it must be offline", m)
			}
		})
	}
}

// optionOf returns the echarts option of fig, as a figure's constructor
// returned it with err, failing t if either failed.
func optionOf(t *testing.T, fig *Figure, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	s, err := fig.Option()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pageWith renders figs as a standalone page titled title with o's library,
// fails t if that fails, and reports each of want that the page lacks. It
// returns the page.
func pageWith(t *testing.T, title string, o Options, figs []*Figure, want ...string) string {
	t.Helper()
	page, err := Page(title, o, figs...)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	return s
}

func TestPageHasTheLibraryOnce(t *testing.T) {
	o := fakeLib(t)
	a, err := TrainingCurves([]Run{LessonRun()}, CurveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := LayerCost(testTable(), CostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := Page("two figures", o, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), LibraryMarker); n != 1 {
		t.Errorf("the page has %d copies of the library, want 1", n)
	}
	if !strings.Contains(string(page), "<title>two figures</title>") {
		t.Error("the page lacks its title")
	}
	if _, err := Page("", o, a, a); err == nil {
		t.Error("a page with the same figure twice: want an error about its element id")
	}
}

func TestCurvesOptionIsJSON(t *testing.T) {
	fig, err := TrainingCurves([]Run{{History: testHistory("resnet", "go")}, LessonRun()}, CurveOptions{})
	s := optionOf(t, fig, err)
	var opt struct {
		Series []struct {
			Name       string      `json:"name"`
			XAxisIndex int         `json:"xAxisIndex"`
			Data       []lineValue `json:"data"`
		} `json:"series"`
		XAxis []struct {
			Max any `json:"max"`
		} `json:"xAxis"`
	}
	if err := json.Unmarshal([]byte(s), &opt); err != nil {
		t.Fatalf("option is not JSON: %v\n%s", err, s)
	}
	tests := []struct {
		series, points, xAxis int
	}{
		{0, 10, 0}, {1, 2, 1}, // the run: 10 loss windows, 2 epochs
		{2, 30, 0}, {3, 10, 1}, // the lesson: 30 loss lines, 10 epochs
	}
	if len(opt.Series) != 4 {
		t.Fatalf("%d series, want 4", len(opt.Series))
	}
	for _, tc := range tests {
		s := opt.Series[tc.series]
		if len(s.Data) != tc.points || s.XAxisIndex != tc.xAxis {
			t.Errorf("series %d (%s): %d points on x axis %d, want %d on %d", tc.series, s.Name, len(s.Data), s.XAxisIndex, tc.points, tc.xAxis)
		}
	}
	if len(opt.XAxis) != 2 || opt.XAxis[0].Max != float64(10) {
		t.Errorf("x axes %+v, want two running to epoch 10", opt.XAxis)
	}
}

type lineValue struct {
	Value []float64 `json:"value"`
}

func TestFigureErrors(t *testing.T) {
	mixed := testSweep(8)
	mixed[2].Measurement.Batch = 64
	unmeasured := testSweep(8)
	unmeasured[1].Measurement.Best = 0
	noSteps := testHistory("resnet", "go")
	noSteps.Train, noSteps.Epochs = 0, nil
	tests := []struct {
		name string
		fig  func() (*Figure, error)
		want string
	}{
		{"no runs", func() (*Figure, error) { return TrainingCurves(nil, CurveOptions{}) }, "at least one run"},
		{"nil history", func() (*Figure, error) { return TrainingCurves([]Run{{Label: "x"}}, CurveOptions{}) }, "no history"},
		{"same label", func() (*Figure, error) { return TrainingCurves([]Run{LessonRun(), LessonRun()}, CurveOptions{}) }, "different labels"},
		{"no steps per epoch", func() (*Figure, error) { return TrainingCurves([]Run{{History: noSteps}}, CurveOptions{}) }, "epoch axis"},
		{"tiny curves", func() (*Figure, error) {
			return TrainingCurves([]Run{LessonRun()}, CurveOptions{Width: 50, Height: 50})
		}, "too small"},
		{"empty sweep", func() (*Figure, error) { return BottleneckSweep(nil, SweepOptions{}) }, "no points"},
		{"sweep without plain", func() (*Figure, error) { return BottleneckSweep(testSweep(8)[1:], SweepOptions{}) }, "plain 5x5"},
		{"mixed sweep", func() (*Figure, error) { return BottleneckSweep(mixed, SweepOptions{}) }, "mixes"},
		{"unmeasured sweep", func() (*Figure, error) { return BottleneckSweep(unmeasured, SweepOptions{}) }, "no measured time"},
		{"nil table", func() (*Figure, error) { return LayerCost(nil, CostOptions{}) }, "no layers"},
		{"table without mults", func() (*Figure, error) {
			return LayerCost(&cost.Table{Layers: []cost.Layer{{Name: "/mp", Kind: "max pool 2"}}}, CostOptions{})
		}, "no multiplications"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.fig()
			if err == nil {
				t.Fatalf("got a figure %q, want an error mentioning %q", f.Title, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestFigureHTMLErrors(t *testing.T) {
	good, err := LayerCost(testTable(), CostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fig  *Figure
		want string
	}{
		{"nil", nil, "without a chart"},
		{"no chart", &Figure{ID: "a", Width: 1, Height: 1}, "without a chart"},
		{"bad id", &Figure{Chart: good.Chart, ID: `x"><script>`, Width: 10, Height: 10}, "invalid element id"},
		{"no size", &Figure{Chart: good.Chart, ID: "ok", Width: 0, Height: 10}, "no size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.fig.HTML(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("HTML error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestWriteHTML(t *testing.T) {
	fig, err := LayerCost(testTable(), CostOptions{Title: "Cost & <friends>"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		name    string
		o       Options
		wantErr string
	}{
		{"installed", fakeLib(t), ""},
		{"not installed", Options{Dir: fakeRepo(t, layout.ModulePath, false)}, "make setup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EchartsEnvVar, "")
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".html")
			err := WriteHTML(path, tc.o, fig)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("WriteHTML error %v, want one mentioning %q", err, tc.wantErr)
				}
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a failed WriteHTML left %s behind", path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), "<!DOCTYPE html>") || !strings.Contains(string(data), "<title>Cost &amp; &lt;friends&gt;</title>") {
				t.Errorf("%s is not the page expected:\n%.300s", path, data)
			}
		})
	}
}

// LessonRun draws the lesson's log as lessonlog reads it, dashed.
func TestLessonRun(t *testing.T) {
	r := LessonRun()
	want, err := lessonlog.Lesson()
	if err != nil {
		t.Fatal(err)
	}
	if r.Label != "PyTorch (the lesson's log)" || !r.Dashed || r.stepsPerEpoch() != recipe.StepsPerEpoch {
		t.Errorf("run %q, dashed %v, %d steps per epoch", r.Label, r.Dashed, r.stepsPerEpoch())
	}
	if !reflect.DeepEqual(r.History, want) {
		t.Errorf("LessonRun's history is not lessonlog.Lesson's")
	}
	r.History.Logs[0].MeanLoss = 99 // each call returns a new copy
	if LessonRun().History.Logs[0].MeanLoss != want.Logs[0].MeanLoss {
		t.Error("LessonRun shares its data between calls")
	}
}

// echartsRelPath is the pinned path of the echarts library.
func echartsRelPath(t *testing.T) string {
	t.Helper()
	p, err := EchartsPin()
	if err != nil {
		t.Fatal(err)
	}
	return p.Path
}
