package bottleneck_test

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/bottleneck"
	"github.com/learn-gomlx/advanced-cnn/lib/cost"
)

// TestLessonNumbers checks the lesson's worked example through the paths.
func TestLessonNumbers(t *testing.T) {
	if got := bottleneck.Plain.Mults(); got != 120_422_400 {
		t.Errorf("plain 5x5: %s multiplications, want 120,422,400", cost.Thousands(got))
	}
	lesson := bottleneck.Lesson.CostTable()
	if len(lesson.Layers) != 2 || lesson.Layers[0].Mults != 2_408_448 || lesson.Layers[1].Mults != 10_035_200 {
		t.Errorf("bottleneck16 layers %+v, want 2,408,448 + 10,035,200 multiplications", lesson.Layers)
	}
	if got := bottleneck.Lesson.Mults(); got != 12_443_648 {
		t.Errorf("bottleneck16: %s multiplications, want 12,443,648", cost.Thousands(got))
	}
	if got := math.Round(bottleneck.Lesson.TheoreticalSpeedUp()*100) / 100; got != 9.68 {
		t.Errorf("theoretical speed-up %.2f, want 9.68", got)
	}
	if got := bottleneck.Plain.TheoreticalSpeedUp(); got != 1 {
		t.Errorf("plain speed-up over itself %v, want 1", got)
	}
	if got := bottleneck.Lesson.TrainingMults(); got != 3*12_443_648 {
		t.Errorf("training mults %d", got)
	}
}

func TestPathCounts(t *testing.T) {
	tests := []struct {
		path          bottleneck.Path
		name          string
		params, mults int64
	}{
		{bottleneck.Plain, "plain5x5", 192*32*25 + 32, 120_422_400},
		{bottleneck.Lesson, "bottleneck16", 192*16 + 16 + 16*32*25 + 32, 12_443_648},
		{bottleneck.WithWidth(1), "bottleneck1", 192 + 1 + 32*25 + 32, 784 * (192 + 25*32)},
		{bottleneck.WithWidth(4), "bottleneck4", 192*4 + 4 + 4*32*25 + 32, 784 * 4 * (192 + 25*32)},
		{bottleneck.WithWidth(192), "bottleneck192", 192*192 + 192 + 192*32*25 + 32, 784 * 192 * (192 + 25*32)},
	}
	for _, tc := range tests {
		if got := tc.path.Name(); got != tc.name {
			t.Errorf("Name() = %q, want %q", got, tc.name)
		}
		if got := tc.path.Params(); got != tc.params {
			t.Errorf("%s: Params() = %d, want %d", tc.name, got, tc.params)
		}
		if got := tc.path.Mults(); got != tc.mults {
			t.Errorf("%s: Mults() = %d, want %d", tc.name, got, tc.mults)
		}
		if err := tc.path.Validate(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// The multiplications grow with the width; from 155 channels on, the
	// "bottleneck" costs more than the plain path.
	prev := int64(0)
	for w := 1; w <= bottleneck.InChannels; w++ {
		m := bottleneck.WithWidth(w).Mults()
		if m <= prev {
			t.Fatalf("width %d: %d multiplications, not more than width %d's %d", w, m, w-1, prev)
		}
		prev = m
		cheaper := m < bottleneck.Plain.Mults()
		if cheaper != (w <= 154) {
			t.Errorf("width %d: %d multiplications vs plain %d", w, m, bottleneck.Plain.Mults())
		}
	}
}

func TestValidate(t *testing.T) {
	for _, w := range []int{-1, -16, bottleneck.InChannels + 1, 1000} {
		if err := bottleneck.WithWidth(w).Validate(); err == nil {
			t.Errorf("width %d: no error", w)
		}
	}
}

// quick is enough to check that measuring works, not to measure.
var quick = bottleneck.Options{Warmup: 0, Runs: 2}

func TestMeasure(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, path := range []bottleneck.Path{bottleneck.Plain, bottleneck.Lesson} {
			for _, backward := range []bool{false, true} {
				t.Run(path.Name()+"/"+bottleneck.Mode(backward), func(t *testing.T) {
					m, err := bottleneck.Measure(b, path, 1, backward, quick)
					if err != nil {
						t.Fatal(err)
					}
					t.Log(m)
					if m.Path != path || m.Batch != 1 || m.Backward != backward || m.Backend != b.Name() {
						t.Errorf("measurement describes %s batch %d backward %v on %s", m.Path, m.Batch, m.Backward, m.Backend)
					}
					if len(m.Times) != quick.Runs {
						t.Errorf("%d timed runs, want %d", len(m.Times), quick.Runs)
					}
					for _, d := range m.Times {
						if d <= 0 {
							t.Errorf("non-positive run time %s", d)
						}
					}
					if m.Best <= 0 || m.Median < m.Best || m.Compile <= 0 || m.FirstRun <= 0 {
						t.Errorf("times: best %s, median %s, compile %s, first run %s", m.Best, m.Median, m.Compile, m.FirstRun)
					}
					wantMults := path.Mults()
					if backward {
						wantMults *= 3
					}
					if m.Mults != wantMults || m.Params != path.Params() {
						t.Errorf("mults %d params %d, want %d and %d", m.Mults, m.Params, wantMults, path.Params())
					}
					// The table recorded while building the graph with nn.Conv2D
					// is the one computed from the formulas.
					if m.Table == nil {
						t.Fatal("no cost table recorded")
					}
					if want := path.CostTable(); !reflect.DeepEqual(m.Table.Layers, want.Layers) {
						t.Errorf("recorded cost table\n%+v\nwant\n%+v", m.Table.Layers, want.Layers)
					}
					if m.Table.TotalMults() != path.Mults() || m.Table.TotalParams() != path.Params() {
						t.Errorf("recorded totals %d mults, %d params; want %d, %d",
							m.Table.TotalMults(), m.Table.TotalParams(), path.Mults(), path.Params())
					}
				})
			}
		}
	})
}

// TestRunnerRepeatable checks that a runner computes the same thing each run
// and that the input and the variables are the same for both backends'
// builds, so the two paths are compared on equal terms.
func TestRunnerRepeatable(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		r, err := bottleneck.NewRunner(b, bottleneck.Lesson, 2, true)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		first := r.Result()
		if first <= 0 {
			t.Errorf("½·Σ output² = %v, want positive", first)
		}
		if _, err := r.Run(); err != nil {
			t.Fatal(err)
		}
		if r.Result() != first {
			t.Errorf("second run gave %v, first %v", r.Result(), first)
		}
		if r.Compile() <= 0 || r.FirstRun() <= 0 {
			t.Errorf("compile %s, first run %s", r.Compile(), r.FirstRun())
		}
		r.Close()
		if _, err := r.Run(); err == nil {
			t.Error("Run after Close gave no error")
		}
	})
}

func TestInvalid(t *testing.T) {
	b := backendtest.Get(t, "go")
	tests := []struct {
		name  string
		b     compute.Backend
		path  bottleneck.Path
		batch int
		opts  bottleneck.Options
	}{
		{"batch 0", b, bottleneck.Lesson, 0, quick},
		{"negative batch", b, bottleneck.Lesson, -1, quick},
		{"negative width", b, bottleneck.WithWidth(-4), 1, quick},
		{"width above the input's channels", b, bottleneck.WithWidth(bottleneck.InChannels + 1), 1, quick},
		{"nil backend", nil, bottleneck.Lesson, 1, quick},
		{"no runs", b, bottleneck.Lesson, 1, bottleneck.Options{Warmup: 1}},
		{"negative warm-up", b, bottleneck.Lesson, 1, bottleneck.Options{Warmup: -1, Runs: 1}},
		{"negative max time", b, bottleneck.Lesson, 1, bottleneck.Options{Runs: 1, MaxTime: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := bottleneck.Measure(tc.b, tc.path, tc.batch, false, tc.opts); err == nil {
				t.Error("Measure gave no error")
			}
		})
	}
	if _, err := bottleneck.NewRunner(b, bottleneck.Plain, 0, false); err == nil {
		t.Error("NewRunner with batch 0 gave no error")
	}
	for _, widths := range [][]int{{0}, {16, -1}, {193}} {
		if _, err := bottleneck.Sweep(b, widths, 1, false, quick); err == nil {
			t.Errorf("Sweep over widths %v gave no error", widths)
		}
	}
	if _, err := bottleneck.Sweep(b, []int{16}, 0, false, quick); err == nil {
		t.Error("Sweep with batch 0 gave no error")
	}
}

func TestMaxTime(t *testing.T) {
	b := backendtest.Get(t, "go")
	m, err := bottleneck.Measure(b, bottleneck.WithWidth(1), 1, false,
		bottleneck.Options{Runs: 1000, MaxTime: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Times) != 1 {
		t.Errorf("MaxTime 1ns: %d timed runs, want 1", len(m.Times))
	}
}

func TestSweep(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		widths := []int{4, 16}
		points, err := bottleneck.Sweep(b, widths, 1, false, bottleneck.Options{Runs: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(points) != 1+len(widths) {
			t.Fatalf("%d points, want %d", len(points), 1+len(widths))
		}
		if points[0].Path != bottleneck.Plain || points[0].SpeedUp != 1 || points[0].TheoreticalSpeedUp != 1 {
			t.Errorf("first point %+v, want the plain path with speed-ups 1", points[0])
		}
		for i, w := range widths {
			p := points[i+1]
			if p.Path.Width != w || p.Mults != p.Path.Mults() || p.Params != p.Path.Params() {
				t.Errorf("point %d: %+v", i+1, p)
			}
			if p.SpeedUp <= 0 || p.Measurement.Best <= 0 {
				t.Errorf("point %s: speed-up %v, best %s", p.Path, p.SpeedUp, p.Measurement.Best)
			}
		}
		if got := math.Round(points[2].TheoreticalSpeedUp*100) / 100; got != 9.68 {
			t.Errorf("bottleneck16 theoretical speed-up %.2f, want 9.68", got)
		}
		var sb strings.Builder
		if err := bottleneck.WriteSweep(&sb, points); err != nil {
			t.Fatal(err)
		}
		t.Log("\n" + sb.String())
		for _, s := range []string{"plain5x5", "bottleneck4", "bottleneck16", "120,422,400", "12,443,648", "9.68"} {
			if !strings.Contains(sb.String(), s) {
				t.Errorf("sweep table lacks %q:\n%s", s, sb.String())
			}
		}
	})
}
