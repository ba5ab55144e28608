// Package lesson holds what the lesson's notebooks share, so that each notebook
// stays a thin story: starting the backend with its one-line explanation,
// loading MNIST, the training recipe, the committed reference runs, and the
// environment variables that let a headless test run the notebooks quickly.
package lesson

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
	"github.com/learn-gomlx/advanced-cnn/lib/charts"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// Environment variables that shorten the notebooks. EnvQuick is the student's
// quick mode (`make lab ADVCNN_QUICK=1`); notebooks/run_notebooks.py and the
// browser test set the others, for runs that only check the notebooks work.
const (
	EnvQuick      = "ADVCNN_QUICK"       // 1: train QuickEpochs on all the images instead of the lesson's 10 epochs
	EnvEpochs     = "ADVCNN_EPOCHS"      // epochs to train (default: the lesson's 10, or QuickEpochs in quick mode)
	EnvTrainLimit = "ADVCNN_TRAIN_LIMIT" // use only the first N training images (default: all 60,000)
	EnvTestLimit  = "ADVCNN_TEST_LIMIT"  // use only the first N test images (default: all 10,000)
	EnvBenchBatch = "ADVCNN_BENCH_BATCH" // batch size of the 1x1 timings (default: the lesson's 64)
)

// QuickEpochs is how long quick mode trains: one pass over all 60,000 images,
// which already reaches about 97 % test accuracy (README, "Quick start", gives
// its time and accuracy).
const QuickEpochs = 1

// Quick reports whether quick mode is on: ADVCNN_QUICK is 1 or true.
func Quick() (bool, error) {
	s := os.Getenv(EnvQuick)
	if s == "" {
		return false, nil
	}
	on, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want 1 (quick mode: %d epoch on all the images) or 0 (the lesson's 10 epochs)", EnvQuick, s, QuickEpochs)
	}
	return on, nil
}

// EnvInt reads a whole number from the environment variable name, or returns
// def when it is unset or empty.
func EnvInt(name string, def int) (int, error) {
	s := os.Getenv(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a whole number, 0 or more", name, s)
	}
	return n, nil
}

// Backend starts the backend that package backend chooses and writes the line
// that says which one and why to w (os.Stdout in a notebook).
func Backend(w io.Writer) (compute.Backend, backend.Choice, error) {
	b, choice, err := backend.New()
	if err != nil {
		return nil, choice, err
	}
	fmt.Fprintln(w, choice)
	return b, choice, nil
}

// BenchBatch is the batch size of the notebooks' timings: 64, or ADVCNN_BENCH_BATCH.
func BenchBatch() (int, error) {
	n, err := EnvInt(EnvBenchBatch, recipe.BatchSize)
	if err == nil && n == 0 {
		err = fmt.Errorf("%s must be at least 1", EnvBenchBatch)
	}
	return n, err
}

// RepoRoot is the repository's folder, found from the working directory.
func RepoRoot() (string, error) {
	return layout.FindRoot("")
}

// LoadMNIST reads the training and test sets that `make setup` put in the
// repository's data/ folder: all of them, unless ADVCNN_TRAIN_LIMIT or
// ADVCNN_TEST_LIMIT ask for fewer.
func LoadMNIST() (trainSet, testSet *mnist.Dataset, err error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, nil, err
	}
	trainLimit, err := EnvInt(EnvTrainLimit, 0)
	if err != nil {
		return nil, nil, err
	}
	testLimit, err := EnvInt(EnvTestLimit, 0)
	if err != nil {
		return nil, nil, err
	}
	if trainSet, testSet, err = mnist.LoadBoth(filepath.Join(root, "data")); err != nil {
		return nil, nil, err
	}
	return trainSet.Head(trainLimit), testSet.Head(testLimit), nil
}

// Recipe is the lesson's recipe for the model: 10 epochs, or QuickEpochs in
// quick mode (ADVCNN_QUICK=1), or as many as ADVCNN_EPOCHS says, which wins
// over both. When a shortened run has fewer than three log intervals (300
// batches) per epoch, it logs more often so a curve still shows.
func Recipe(model string, trainImages int) (training.Config, error) {
	cfg := training.DefaultConfig(model)
	quick, err := Quick()
	if err != nil {
		return cfg, err
	}
	if quick {
		cfg.Epochs = QuickEpochs
	}
	if cfg.Epochs, err = EnvInt(EnvEpochs, cfg.Epochs); err != nil {
		return cfg, err
	}
	if steps := recipe.Steps(trainImages, cfg.BatchSize); steps < 3*cfg.LogEvery {
		cfg.LogEvery = max(1, min(cfg.LogEvery, steps/3))
	}
	return cfg, cfg.Validate()
}

// ReferenceRun is this project's committed 10-epoch run of the model
// (plots/<model>/history.json), labelled and drawn dashed for comparison.
func ReferenceRun(model string) (charts.Run, error) {
	root, err := RepoRoot()
	if err != nil {
		return charts.Run{}, err
	}
	h, err := training.LoadHistory(filepath.Join(layout.RunDir(filepath.Join(root, layout.PlotsDir), model), layout.HistoryFile))
	if err != nil {
		return charts.Run{}, err
	}
	return charts.Run{Label: "Go, 10 epochs (plots/" + model + ")", History: h, Dashed: true, Color: "#1f77b4"}, nil
}
