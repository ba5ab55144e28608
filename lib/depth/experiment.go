package depth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/atomicfile"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/steptime"
)

// Experiment is a set of runs: every kind of net at every depth, each
// trained for the same steps from the same seed.
type Experiment struct {
	// Depths are the numbers of 3x3 layers, each even (the residual kinds
	// need two layers per block).
	Depths []int `json:"depths"`
	// Kinds are the kinds of net run at each depth.
	Kinds []models.DeepKind `json:"kinds"`
	// Steps is the number of training steps of each net (batches of 64).
	Steps int `json:"steps"`
	// Seed fixes the initial weights and the batch order of every net.
	Seed int64 `json:"seed"`
	// GradientBatch is the number of training images the gradient norms are measured on.
	GradientBatch int `json:"gradient_batch"`
}

// Full is the experiment committed in plots/depth/full.json and run by
// notebook 04 by default.
func Full() Experiment {
	return Experiment{Depths: []int{2, 4, 10, 20}, Kinds: models.DeepKinds(), Steps: 300, Seed: 1, GradientBatch: 64}
}

// Quick is notebook 04's quick mode (ADVCNN_QUICK=1), committed in
// plots/depth/quick.json: fewer depths and steps.
func Quick() Experiment {
	return Experiment{Depths: []int{2, 20}, Kinds: models.DeepKinds(), Steps: 150, Seed: 1, GradientBatch: 64}
}

// Validate returns an error naming the first setting that makes no sense.
func (e Experiment) Validate() error {
	if len(e.Depths) == 0 || len(e.Kinds) == 0 {
		return errors.New("an experiment needs at least one depth and one kind of net")
	}
	for _, d := range e.Depths {
		if d < 2 || d > models.MaxDepth || d%2 != 0 {
			return fmt.Errorf("depth %d: want an even number of layers from 2 to %d", d, models.MaxDepth)
		}
	}
	for _, k := range e.Kinds {
		if !slices.Contains(models.DeepKinds(), k) {
			return fmt.Errorf("unknown kind of net %q: choose from %q", k, models.DeepKinds())
		}
	}
	if e.Steps < 1 {
		return fmt.Errorf("steps must be at least 1, got %d", e.Steps)
	}
	if e.GradientBatch < 0 {
		return fmt.Errorf("gradient batch must be 0 (64) or more, got %d", e.GradientBatch)
	}
	return nil
}

// Report is the record of an experiment, as plots/depth holds it.
type Report struct {
	// Date is when the experiment started, RFC 3339.
	Date string `json:"date"`
	// Command is the command line that ran it, for a reader to repeat it.
	Command string `json:"command"`
	// Backend is the GoMLX backend, e.g. "xla:cpu", and Device its description.
	Backend string `json:"backend"`
	Device  string `json:"device"`
	// Experiment is what was run.
	Experiment Experiment `json:"experiment"`
	// TestImages is the number of test images each accuracy was measured on.
	TestImages int `json:"test_images"`
	// Seconds is the wall time of the whole experiment, and CPUSeconds the
	// processor time (user and system) the process used meanwhile: on a
	// shared machine the wall time depends on the others' load, the
	// processor time much less.
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// Results are the runs, depth by depth, each depth's kinds in the experiment's order.
	Results []Result `json:"results"`
}

// Run runs every net of the experiment on backend (named backendName in the
// report, e.g. "xla:cpu"), writing one line per finished net to progress
// (which may be nil).
func (e Experiment) Run(backend compute.Backend, backendName string, trainSet, testSet *mnist.Dataset, progress io.Writer) (*Report, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = io.Discard
	}
	if testSet == nil {
		return nil, errors.New("the experiment needs a test set")
	}
	start, cpu := time.Now(), steptime.ProcessCPU()
	rep := &Report{Date: start.UTC().Format(time.RFC3339), Backend: backendName, Device: backend.Description(),
		Experiment: e, TestImages: testSet.N}
	for _, d := range e.Depths {
		for _, k := range e.Kinds {
			r, err := Run(backend, fmt.Sprintf("%s-%d", k, d), trainSet, testSet, Options{Steps: e.Steps, Seed: e.Seed, GradientBatch: e.GradientBatch})
			if err != nil {
				return rep, err
			}
			rep.Results = append(rep.Results, r)
			fmt.Fprintln(progress, r.Line())
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.CPUSeconds = (steptime.ProcessCPU() - cpu).Seconds()
	return rep, nil
}

// Line is one line summing up the result: first and last layers' gradient
// norms before training, the mean loss of the last 20 steps, the training and
// test accuracy and the time.
func (r Result) Line() string {
	first, last := 0.0, 0.0
	if len(r.Init) > 0 {
		first, last = r.Init[0].Norm, r.Init[len(r.Init)-1].Norm
	}
	return fmt.Sprintf("%-14s gradient first layer %8.1e  last layer %8.1e  loss %.3f  train accuracy %6.2f %%  test accuracy %6.2f %%  (%.0f s)",
		r.Name, first, last, r.MeanLoss(20), 100*r.TrainAccuracy, 100*r.TestAccuracy, r.Seconds)
}

// Find returns the result of the net of kind and depth.
func (rep *Report) Find(kind models.DeepKind, depth int) (Result, bool) {
	for _, r := range rep.Results {
		if r.Kind == kind && r.Depth == depth {
			return r, true
		}
	}
	return Result{}, false
}

// Save writes the report as indented JSON to path, replacing it atomically.
func (rep *Report) Save(path string) error {
	js, err := json.MarshalIndent(rep, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(js, '\n'), 0o644)
}

// LoadReport reads a report that Save wrote.
func LoadReport(path string) (*Report, error) {
	js, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(js, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := rep.Experiment.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rep.Results) != len(rep.Experiment.Depths)*len(rep.Experiment.Kinds) {
		return nil, fmt.Errorf("%s: %d results for %d depths and %d kinds", path, len(rep.Results), len(rep.Experiment.Depths), len(rep.Experiment.Kinds))
	}
	return &rep, nil
}
