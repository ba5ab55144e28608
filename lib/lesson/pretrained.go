package lesson

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
	"github.com/learn-gomlx/advanced-cnn/lib/weights"
)

// Net is a trained net: its model, its weights in a store, and where they come from.
type Net struct {
	Spec  models.Spec
	Store *model.Store
	// Weights describes the weights and the run that trained them.
	Weights weights.Index
}

// Pretrained loads the trained weights committed with the reference run of
// the model name ("inception" or "resnet"), plots/<name>/weights.bin, into a
// store for backend, so that a notebook can evaluate the net in seconds
// instead of training it for minutes. It checks the weights' checksum, that
// they come from the run whose history is plots/<name>/history.json, and
// that they fit the net; otherwise it says which check failed and what to do.
func Pretrained(backend compute.Backend, name string) (*Net, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	return pretrainedIn(backend, layout.RunDir(filepath.Join(root, layout.PlotsDir), name), name)
}

// pretrainedIn is Pretrained with the run's folder given.
func pretrainedIn(backend compute.Backend, dir, name string) (*Net, error) {
	spec, err := models.ByName(name)
	if err != nil {
		return nil, err
	}
	w, err := weights.Load(dir)
	if errors.Is(err, weights.ErrNoWeights) {
		return nil, fmt.Errorf("no trained weights of %s are committed in %s: train the net in this notebook instead, "+
			"or export a run's checkpoint with `go run ./cmd/train -out runs/%s -export %s` (%w)", name, dir, name, dir, err)
	}
	if err != nil {
		return nil, err
	}
	if w.Index.Model != name {
		return nil, fmt.Errorf("%s holds weights of %q, not %q", dir, w.Index.Model, name)
	}
	h, err := training.LoadHistory(filepath.Join(dir, layout.HistoryFile))
	if err != nil {
		return nil, fmt.Errorf("the weights in %s can't be matched with their run: %w", dir, err)
	}
	fp, err := weights.HistoryFingerprint(h)
	if err != nil {
		return nil, err
	}
	if fp != w.Index.HistorySHA256 {
		final, _ := h.Final()
		return nil, fmt.Errorf("the weights in %s come from another run than its history.json (weights: %d epochs, %.2f %% test accuracy; history: %d epochs, %.2f %%): "+
			"export the checkpoint of the run in history.json again", dir, w.Index.Epochs, 100*w.Index.TestAccuracy, len(h.Epochs), 100*final.TestAccuracy)
	}
	store, err := w.Store(backend, spec.Build)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return &Net{Spec: spec, Store: store, Weights: w.Index}, nil
}
