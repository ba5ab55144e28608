// Package seeds gathers the final test accuracies of training runs that
// differ only in their seed, Go's and PyTorch's, so that the two frameworks
// are compared as distributions rather than as single draws.
//
// The runs are the committed reference runs in plots/ (package layout): Go's
// histories and the logs of the lesson's PyTorch code, with its "accuracy on
// test set: X %" lines.
package seeds

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/lessonlog"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// Run is one finished training run.
type Run struct {
	// Seed is the run's seed.
	Seed int64
	// Epochs holds the test accuracy after each epoch, in percent.
	Epochs []float64
	// Source is the file the run was read from.
	Source string
	// History is the run's whole record: Go's history.json, or what the
	// PyTorch log prints (the loss every 300 batches, the test accuracies).
	History *training.History
}

// Final is the test accuracy after the last epoch, in percent.
func (r Run) Final() float64 { return r.Epochs[len(r.Epochs)-1] }

// Set is the runs of one net by one framework, sorted by seed.
type Set struct {
	Framework string // "Go" or "PyTorch"
	Net       string // "inception" or "resnet"
	Runs      []Run
}

// Finals returns the final accuracies, in seed order.
func (s Set) Finals() []float64 {
	v := make([]float64, len(s.Runs))
	for i, r := range s.Runs {
		v[i] = r.Final()
	}
	return v
}

// Mean and SD return the mean and the sample standard deviation (n−1) of the
// final accuracies; SD is 0 for fewer than two runs.
func (s Set) Mean() float64 { m, _ := MeanSD(s.Finals()); return m }

// SD is the sample standard deviation of the final accuracies.
func (s Set) SD() float64 { _, sd := MeanSD(s.Finals()); return sd }

// MeanSD returns the mean and the sample standard deviation (n−1) of v
// (NaN and 0 for an empty v; sd 0 for one value).
func MeanSD(v []float64) (mean, sd float64) {
	if len(v) == 0 {
		return math.NaN(), 0
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)-1))
}

// Load reads every committed run of net under plotsDir that has exactly
// epochs epochs: Go's and PyTorch's. A run with another number of epochs is
// an error, not skipped, so a cut-short run cannot slip into the statistics.
func Load(plotsDir, net string, epochs int) (goRuns, torchRuns Set, err error) {
	goRuns, torchRuns = Set{Framework: "Go", Net: net}, Set{Framework: "PyTorch", Net: net}
	goFiles := []string{filepath.Join(layout.RunDir(plotsDir, net), layout.HistoryFile)}
	more, err := layout.SeedRunDirs(plotsDir, net)
	if err != nil {
		return goRuns, torchRuns, err
	}
	for _, dir := range more {
		goFiles = append(goFiles, filepath.Join(dir, layout.HistoryFile))
	}
	for _, f := range goFiles {
		h, err := training.LoadHistory(f)
		if errors.Is(err, fs.ErrNotExist) && f == goFiles[0] {
			continue
		}
		if err != nil {
			return goRuns, torchRuns, err
		}
		if h.Config.Model != net {
			return goRuns, torchRuns, fmt.Errorf("%s: a run of %q, not %q", f, h.Config.Model, net)
		}
		r := Run{Seed: h.Config.Seed, Source: f, History: h}
		for _, e := range h.Epochs {
			r.Epochs = append(r.Epochs, 100*e.TestAccuracy)
		}
		goRuns.Runs = append(goRuns.Runs, r)
	}
	logs, err := layout.PyTorchLogs(plotsDir, net)
	if err != nil {
		return goRuns, torchRuns, err
	}
	for _, f := range logs {
		r, err := ReadPyTorchLog(f, net)
		if err != nil {
			return goRuns, torchRuns, err
		}
		torchRuns.Runs = append(torchRuns.Runs, r)
	}
	for _, s := range []*Set{&goRuns, &torchRuns} {
		slices.SortFunc(s.Runs, func(a, b Run) int { return int(a.Seed - b.Seed) })
		for i, r := range s.Runs {
			if len(r.Epochs) != epochs {
				return goRuns, torchRuns, fmt.Errorf("%s: %d epochs, want %d", r.Source, len(r.Epochs), epochs)
			}
			if i > 0 && s.Runs[i-1].Seed == r.Seed {
				return goRuns, torchRuns, fmt.Errorf("%s and %s: both seed %d", s.Runs[i-1].Source, r.Source, r.Seed)
			}
		}
	}
	return goRuns, torchRuns, nil
}

var seedName = regexp.MustCompile(`-seed([0-9]+)\.log$`)

// ReadPyTorchLog reads a log of net by plots/pytorch/lesson_run.py: the seed
// from the file's name (<net>-seed<N>.log) and the lesson's lines
// (lessonlog.Read).
func ReadPyTorchLog(path, net string) (Run, error) {
	m := seedName.FindStringSubmatch(path)
	if m == nil {
		return Run{}, fmt.Errorf("%s: the name does not end in -seed<N>.log", path)
	}
	seed, _ := strconv.ParseInt(m[1], 10, 64)
	f, err := os.Open(path)
	if err != nil {
		return Run{}, err
	}
	defer f.Close()
	h, err := lessonlog.Read(f, net)
	if err != nil {
		return Run{}, fmt.Errorf("%s: %w", path, err)
	}
	h.Config.Seed = seed
	r := Run{Seed: seed, Source: path, History: h}
	for _, e := range h.Epochs {
		r.Epochs = append(r.Epochs, 100*e.TestAccuracy)
	}
	return r, nil
}
