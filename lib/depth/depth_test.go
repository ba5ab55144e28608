package depth_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/depth"
	"github.com/learn-gomlx/advanced-cnn/lib/layout/layouttest"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/training/trainingtest"
)

func TestRun(t *testing.T) {
	trainSet, testSet := trainingtest.Synthetic(64*6, 1), trainingtest.Synthetic(50, 2)
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		results := map[bool]depth.Result{}
		for _, name := range []string{"plain-8", "residual-8"} {
			r, err := depth.Run(b, name, trainSet, testSet, depth.Options{Steps: 5, GradientBatch: 16})
			if err != nil {
				t.Fatal(err)
			}
			if r.Depth != 8 || r.Name != name || len(r.Losses) != 5 || len(r.Init) != 10 || len(r.Trained) != 10 ||
				r.TestAccuracy < 0 || r.TestAccuracy > 1 || r.Seconds <= 0 || r.TrainImages != 5*64 || r.TrainAccuracy < 0 || r.TrainAccuracy > 1 {
				t.Fatalf("%s: implausible result: depth %d, %d losses, %d and %d gradient norms, accuracy %v on %d training images, %v on test, %v s",
					name, r.Depth, len(r.Losses), len(r.Init), len(r.Trained), r.TrainAccuracy, r.TrainImages, r.TestAccuracy, r.Seconds)
			}
			if r.Init[3].Norm == r.Trained[3].Norm {
				t.Errorf("%s: the gradient of %s did not change with training", name, r.Init[3].Layer)
			}
			results[r.Residual] = r
		}
		plain, res := depth.Ratio(results[false].Init), depth.Ratio(results[true].Init)
		if !(plain < res/100) {
			t.Errorf("first-to-last gradient ratio at initialisation: plain %.2g, residual %.2g; want the plain one 100 times smaller", plain, res)
		}
	})
}

func TestRunBadInput(t *testing.T) {
	b := backendtest.Get(t, "go")
	d := trainingtest.Synthetic(128, 1)
	tests := []struct {
		name  string
		steps int
		want  string
	}{
		{"inception", 1, "deep nets"},
		{"plain-4", 0, "steps must be between 1 and 2"},
		{"residual-4", 3, "steps must be between 1 and 2"},
		{"residual-5", 1, "even"},
	}
	for _, tc := range tests {
		if _, err := depth.Run(b, tc.name, d, d, depth.Options{Steps: tc.steps}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%s, %d steps): error %v, want one mentioning %q", tc.name, tc.steps, err, tc.want)
		}
	}
}

func TestExperiment(t *testing.T) {
	b := backendtest.Get(t, "go")
	trainSet, testSet := trainingtest.Synthetic(64*3, 1), trainingtest.Synthetic(40, 2)
	e := depth.Experiment{Depths: []int{2, 4}, Kinds: models.DeepKinds(), Steps: 2, Seed: 3, GradientBatch: 8}
	var progress strings.Builder
	rep, err := e.Run(b, "go", trainSet, testSet, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 8 || rep.Backend != "go" || rep.TestImages != 40 || rep.Seconds <= 0 || strings.Count(progress.String(), "\n") != 8 {
		t.Fatalf("report of %d results on %q, %d test images, %v s; progress:\n%s", len(rep.Results), rep.Backend, rep.TestImages, rep.Seconds, progress.String())
	}
	if _, err := time.Parse(time.RFC3339, rep.Date); err != nil {
		t.Errorf("date %q: %v", rep.Date, err)
	}
	for _, k := range models.DeepKinds() {
		r, ok := rep.Find(k, 4)
		if !ok || r.Kind != k || r.Residual != k.Blocks() || r.Name != fmt.Sprintf("%s-4", k) {
			t.Errorf("Find(%s, 4) = %+v, %v", k, r.Name, ok)
		}
	}
	path := filepath.Join(t.TempDir(), "e.json")
	if err := rep.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := depth.LoadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, rep) {
		t.Errorf("the report read back differs from the one saved")
	}
	if err := os.WriteFile(path, []byte(`{"experiment": {"depths": [2], "kinds": ["plain"], "steps": 1}, "results": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := depth.LoadReport(path); err == nil || !strings.Contains(err.Error(), "0 results") {
		t.Errorf("a report without its results: error %v", err)
	}
}

func TestExperimentValidate(t *testing.T) {
	tests := []struct {
		name string
		e    depth.Experiment
		want string
	}{
		{"full", depth.Full(), ""},
		{"quick", depth.Quick(), ""},
		{"no depths", depth.Experiment{Kinds: models.DeepKinds(), Steps: 1}, "at least one depth"},
		{"odd depth", depth.Experiment{Depths: []int{3}, Kinds: models.DeepKinds(), Steps: 1}, "even"},
		{"unknown kind", depth.Experiment{Depths: []int{2}, Kinds: []models.DeepKind{"dense"}, Steps: 1}, "unknown kind"},
		{"no steps", depth.Experiment{Depths: []int{2}, Kinds: models.DeepKinds()}, "steps"},
	}
	for _, tc := range tests {
		err := tc.e.Validate()
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestCommittedReports reads plots/depth's reports, which notebook 04 quotes:
// each must be the experiment its name says, as the code defines it now, so
// that a change to Full or Quick fails here until the reports are run again.
func TestCommittedReports(t *testing.T) {
	for name, e := range map[string]depth.Experiment{"full": depth.Full(), "quick": depth.Quick()} {
		rep, err := depth.LoadReport(layouttest.Path(t, "plots", "depth", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rep.Experiment, e) {
			t.Errorf("plots/depth/%s.json ran %+v; the code's experiment is now %+v: run `go run ./cmd/depth -out plots/depth` again", name, rep.Experiment, e)
		}
		if _, err := time.Parse(time.RFC3339, rep.Date); err != nil || rep.Backend == "" || !strings.HasPrefix(rep.Command, "go run ./cmd/depth") {
			t.Errorf("plots/depth/%s.json: date %q, backend %q, command %q", name, rep.Date, rep.Backend, rep.Command)
		}
		for i, r := range rep.Results {
			d, k := e.Depths[i/len(e.Kinds)], e.Kinds[i%len(e.Kinds)]
			if r.Depth != d || r.Kind != k || len(r.Losses) != e.Steps || r.TrainImages != e.Steps*64 {
				t.Errorf("plots/depth/%s.json result %d: %s with %d losses on %d images, want %s-%d with %d", name, i, r.Name, len(r.Losses), r.TrainImages, k, d, e.Steps)
			}
		}
	}
}
