package charts

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/bottleneck"
	"github.com/learn-gomlx/advanced-cnn/lib/depth"
	"github.com/learn-gomlx/advanced-cnn/lib/evaluate"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
)

func TestConfusionMatrix(t *testing.T) {
	labels := []int32{0, 0, 0, 4, 4, 9, 9, 9, 7}
	pred := []int32{0, 0, 6, 4, 9, 9, 9, 4, 1}
	c, err := evaluate.NewConfusion(labels, pred)
	if err != nil {
		t.Fatal(err)
	}
	fig, err := ConfusionMatrix(c, ConfusionOptions{})
	s := optionOf(t, fig, err)
	var opt struct {
		Title struct {
			Subtext string `json:"subtext"`
		} `json:"title"`
		Series []struct {
			Name string `json:"name"`
			Type string `json:"type"`
			Data []struct {
				Value     [3]int `json:"value"`
				ItemStyle struct {
					Color string `json:"color"`
				} `json:"itemStyle"`
				Label *struct {
					Show bool `json:"show"`
				} `json:"label"`
			} `json:"data"`
		} `json:"series"`
		YAxis []struct {
			Inverse bool     `json:"inverse"`
			Data    []string `json:"data"`
		} `json:"yAxis"`
	}
	if !strings.Contains(s, `"formatter":function (p) {`) {
		t.Error("the tooltip's formatter is not a JavaScript function")
	}
	s = regexp.MustCompile(`function \(p\) \{[^}]*\}`).ReplaceAllString(s, "null") // the rest is JSON
	if err := json.Unmarshal([]byte(s), &opt); err != nil {
		t.Fatalf("option is not JSON: %v", err)
	}
	if len(opt.Series) != 2 || opt.Series[0].Type != "heatmap" || len(opt.Series[0].Data) != 10 || len(opt.Series[1].Data) != 90 {
		t.Fatalf("want a heatmap of 10 right and 90 wrong cells, got %+v", opt.Series)
	}
	cells := map[[2]int]int{}
	colors := map[[2]int]string{}
	for _, series := range opt.Series {
		for _, d := range series.Data {
			key := [2]int{d.Value[1], d.Value[0]} // [true, predicted]
			cells[key] = d.Value[2]
			colors[key] = d.ItemStyle.Color
			if (d.Value[2] == 0) != (d.Label != nil && !d.Label.Show) {
				t.Errorf("cell %v: count %d, label %+v; want the label hidden exactly when empty", key, d.Value[2], d.Label)
			}
		}
	}
	for tr := range 10 {
		for p := range 10 {
			if cells[[2]int{tr, p}] != c.Counts[tr][p] {
				t.Errorf("cell true %d predicted %d shows %d, want %d", tr, p, cells[[2]int{tr, p}], c.Counts[tr][p])
			}
		}
	}
	if colors[[2]int{0, 6}] != "#cb181d" || colors[[2]int{0, 5}] != "#ffffff" || colors[[2]int{0, 0}] != "#a1d99b" {
		t.Errorf("colours: a worst mistake %s, no mistake %s, right %s; want #cb181d, #ffffff, #a1d99b",
			colors[[2]int{0, 6}], colors[[2]int{0, 5}], colors[[2]int{0, 0}])
	}
	if !strings.Contains(opt.Title.Subtext, "9 test images: 5 right (55.56 %") || !opt.YAxis[0].Inverse {
		t.Errorf("subtitle %q, y axis %+v", opt.Title.Subtext, opt.YAxis)
	}
	if _, err := ConfusionMatrix(&evaluate.Confusion{}, ConfusionOptions{}); err == nil {
		t.Error("an empty confusion matrix: no error")
	}
	if _, err := ConfusionMatrix(c, ConfusionOptions{Size: 100}); err == nil {
		t.Error("a 100-pixel confusion matrix: no error")
	}
}

func testDepthResults() []depth.Result {
	norms := func(n int, top, factor float64) []evaluate.LayerGradient {
		g := make([]evaluate.LayerGradient, n)
		v := top
		for i := n - 1; i >= 0; i-- {
			g[i] = evaluate.LayerGradient{Layer: "/l", Norm: v}
			v *= factor
		}
		return g
	}
	losses := func(n int, from, to float64) []float64 {
		l := make([]float64, n)
		for i := range l {
			l[i] = from + (to-from)*float64(i)/float64(n-1)
		}
		return l
	}
	return []depth.Result{
		{Name: "plain-2", Depth: 2, Init: norms(4, 0.1, 0.5), Trained: norms(4, 0.2, 0.5), Losses: losses(40, 2.3, 0.5)},
		{Name: "residual-2", Depth: 2, Residual: true, Init: norms(4, 0.1, 1), Trained: norms(4, 0.2, 1), Losses: losses(40, 2.3, 0.3)},
		{Name: "plain-20", Depth: 20, Init: norms(22, 0.1, 0.4), Trained: norms(22, 0.1, 0.4), Losses: losses(40, 2.3, 2.3)},
		{Name: "residual-20", Depth: 20, Residual: true, Init: norms(22, 0.1, 1), Trained: norms(22, 0.3, 1), Losses: losses(40, 2.4, 0.2)},
	}
}

func TestDepthCharts(t *testing.T) {
	o := fakeLib(t)
	results := testDepthResults()
	grad, err := GradientNorms(results, DepthOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loss, err := DepthLosses(results, DepthOptions{Smooth: 10})
	if err != nil {
		t.Fatal(err)
	}
	pageWith(t, "depth", o, []*Figure{grad, loss},
		`"type":"log"`, "gradient norm (log scale)", "after 40 steps", // the gradient chart's axes
		"[22,0.1]", "[1,4.4e-10]", // plain-20's last layer and its vanished first one: 0.1·0.4^21
		"step · 2 layers", "step · 20 layers", "[10,2.09]", // the loss panels; plain-2's mean of steps 1-10
		`"dashed"`, "#08306b", "#67000d", // residual dashed; the deepest nets darkest
	)
	bad := []struct {
		name    string
		results []depth.Result
	}{
		{"none", nil},
		{"no norms", []depth.Result{{Name: "plain-2", Depth: 2, Losses: []float64{1}}}},
		{"same name twice", append(testDepthResults(), testDepthResults()[0])},
		{"five depths", append(testDepthResults(), depth.Result{Name: "plain-4", Depth: 4}, depth.Result{Name: "plain-6", Depth: 6}, depth.Result{Name: "plain-8", Depth: 8})},
	}
	for _, tc := range bad {
		if _, err := GradientNorms(tc.results, DepthOptions{}); err == nil {
			t.Errorf("gradient norms of %s: no error", tc.name)
		}
	}
	noLoss := testDepthResults()
	noLoss[1].Losses = nil
	if _, err := DepthLosses(noLoss, DepthOptions{}); err == nil {
		t.Error("a run without losses: no error")
	}
}

func TestImageGrid(t *testing.T) {
	digit := make([]float32, 28*28)
	for i := range digit {
		digit[i] = float32(i % 28)
	}
	g := &ImageGrid{Title: "Mistakes", Subtitle: "true → predicted", Groups: []ImageGroup{
		{Title: "digits", Columns: 2, Images: []Image{{Pixels: digit, Width: 28, Height: 28, Caption: "4 → 9"}, {Pixels: digit, Width: 28, Height: 28}}},
		{Title: "maps <b>", Scale: 4, Images: []Image{{Pixels: make([]float32, 144), Width: 12, Height: 12}}},
	}}
	s, err := g.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Mistakes", "4 → 9", "maps &lt;b&gt;", `width="84"`, `width="48"`, "data:image/png;base64,iVBORw0KGgo", "repeat(2,auto)"} {
		if !strings.Contains(s, w) {
			t.Errorf("grid lacks %q", w)
		}
	}
	if n := strings.Count(s, "<img "); n != 3 {
		t.Errorf("%d images, want 3", n)
	}
	if m := cdnAddress.FindString(s); m != "" {
		t.Errorf("grid refers to %q: it must be offline", m)
	}
	bad := []*ImageGrid{
		nil,
		{},
		{Groups: []ImageGroup{{}}},
		{Groups: []ImageGroup{{Images: []Image{{Pixels: digit, Width: 27, Height: 28}}}}},
		{Groups: []ImageGroup{{Scale: 50, Images: []Image{{Pixels: digit, Width: 28, Height: 28}}}}},
	}
	for i, b := range bad {
		if _, err := b.HTML(); err == nil {
			t.Errorf("bad grid %d: no error", i)
		}
	}
}

func TestUnquoteFunctions(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"formatter":"function (p) { return \"a\" + p; }"}`, `{"formatter":function (p) { return "a" + p; }}`},
		{`{"formatter":"{c} %","name":"function of x"}`, `{"formatter":"{c} %","name":"function of x"}`},
		{`{"a":"function(v) { return v.toExponential(0); }"}`, `{"a":function(v) { return v.toExponential(0); }}`},
	}
	for _, tc := range tests {
		if got := unquoteFunctions(tc.in); got != tc.want {
			t.Errorf("unquoteFunctions(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestMistakesAndBranchMaps(t *testing.T) {
	d := &mnist.Dataset{N: 3, Pixels: make([]uint8, 3*mnist.ImageSize), Labels: []int32{4, 7, 9}}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(50 * (i % 5))
	}
	g, err := Mistakes(d, []evaluate.Mistake{{Index: 0, Label: 4, Pred: 9}, {Index: 2, Label: 9, Pred: 4}}, "mistakes")
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, "4 → 9") || !strings.Contains(s, "9 → 4") || strings.Count(s, "<img ") != 2 {
		t.Errorf("mistakes grid lacks its two captioned images")
	}
	if _, err := Mistakes(d, []evaluate.Mistake{{Index: 5}}, ""); err == nil {
		t.Error("a mistake beyond the dataset: no error")
	}
	maps := [][]models.FeatureMap{
		{{Pixels: make([]float32, 144), Width: 12, Height: 12}},
		{{Pixels: make([]float32, 144), Width: 12, Height: 12}, {Pixels: make([]float32, 144), Width: 12, Height: 12}},
	}
	g, err = BranchMaps(d, 1, maps, []string{"1x1", "5x5"}, "branches")
	if err != nil {
		t.Fatal(err)
	}
	if s, err = g.HTML(); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"the digit (7)", "1x1 branch: 1 maps", "5x5 branch: 2 maps"} {
		if !strings.Contains(s, w) {
			t.Errorf("branch maps lack %q", w)
		}
	}
	if n := strings.Count(s, "<img "); n != 4 {
		t.Errorf("%d images, want the digit and 3 maps", n)
	}
	if _, err := BranchMaps(d, 1, maps, []string{"1x1"}, ""); err == nil {
		t.Error("fewer names than branches: no error")
	}
}

func TestBottleneckCount(t *testing.T) {
	tests := []struct {
		width int
		want  []string
	}{
		{16, []string{"A 16-channel bottleneck: 9.68x fewer multiplications", "plain 5x5: 120.42 M", "1x1 to 16, then 5x5: 12.44 M", "153,632", "15,920", "2.41", "10.04"}},
		{192, []string{"A 192-channel bottleneck: 1.24x more multiplications", "28.9"}},
	}
	for _, tc := range tests {
		fig, err := BottleneckCount(bottleneck.WithWidth(tc.width))
		s := optionOf(t, fig, err)
		for _, w := range tc.want {
			if !strings.Contains(s, w) {
				t.Errorf("width %d: chart lacks %q", tc.width, w)
			}
		}
	}
	for _, w := range []int{0, -1, 193} {
		if _, err := BottleneckCount(bottleneck.WithWidth(w)); err == nil {
			t.Errorf("width %d: no error", w)
		}
	}
}

// Outside a notebook the explorer draws nothing but checks its charts.
func TestBottleneckExplorerOptions(t *testing.T) {
	if err := BottleneckExplorer(io.Discard, ExplorerOptions{}); err != nil {
		t.Errorf("default explorer: %v", err)
	}
	for _, o := range []ExplorerOptions{{Width: 300}, {Fallback: []int{8, 0}}} {
		if err := BottleneckExplorer(io.Discard, o); err == nil {
			t.Errorf("explorer %+v: no error", o)
		}
	}
}

func TestDepthAccuracy(t *testing.T) {
	o := fakeLib(t)
	var results []depth.Result
	for i, k := range models.DeepKinds() {
		for j, d := range []int{2, 20} {
			results = append(results, depth.Result{Name: fmt.Sprintf("%s-%d", k, d), Kind: k, Depth: d, Residual: k.Blocks(),
				TrainImages: 640, TrainAccuracy: 0.5 + 0.1*float64(i) - 0.2*float64(j), TestAccuracy: 0.4 + 0.1*float64(i), Losses: make([]float64, 10)})
		}
	}
	fig, err := DepthAccuracy(results, DepthOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pageWith(t, "depth accuracy", o, []*Figure{fig},
		"training images", "test images", "After 10 steps", // the two panels
		"[2,50]", "[20,30]", "[20,40]", // plain-2's and plain-20's training accuracy, plain-20's test accuracy
		`"plain-he"`, `"preact"`, "#7f2704", "#00441b", `"dashed"`, // every kind, in its darkest colour
	)
	bad := []struct {
		name    string
		results []depth.Result
	}{
		{"none", nil},
		{"no training images", []depth.Result{{Name: "plain-2", Kind: models.Plain, Depth: 2}}},
		{"unknown kind", []depth.Result{{Name: "dense-2", Kind: "dense", Depth: 2, TrainImages: 1}}},
	}
	for _, tc := range bad {
		if _, err := DepthAccuracy(tc.results, DepthOptions{}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
