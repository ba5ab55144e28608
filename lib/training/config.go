// Package training runs the lesson's training recipe on one of its nets:
// SGD with momentum on mini-batches reshuffled every epoch from a seed,
// cross-entropy on the logits, the mean loss of every LogEvery batches, and the
// test loss and accuracy after each epoch, all kept in a History. It writes a
// checkpoint after every epoch and can resume from it, ending with the same
// history as a run that was never interrupted.
//
// The recipe's numbers are package recipe's; the weights file format,
// evaluation and step timing are packages weights, evaluate and steptime.
package training

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/optim"
	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
)

// Config is a training run's recipe. DefaultConfig returns the lesson's.
type Config struct {
	// Model is "inception" or "resnet" (see models.Names).
	Model string `json:"model"`
	// Epochs is the number of passes over the training set.
	Epochs int `json:"epochs"`
	// BatchSize is the number of training images per step; the last, partial batch of an epoch is kept.
	BatchSize int `json:"batch_size"`
	// EvalBatchSize is the number of test images per evaluation step; it changes speed and memory, not results.
	EvalBatchSize int `json:"eval_batch_size"`
	// LearningRate and Momentum configure SGD with momentum.
	LearningRate float64 `json:"learning_rate"`
	Momentum     float64 `json:"momentum"`
	// Seed fixes the initial weights and the order of the batches.
	Seed int64 `json:"seed"`
	// LogEvery is the number of batches averaged in each loss log line.
	LogEvery int `json:"log_every"`
}

// DefaultConfig is the lesson's recipe (package recipe) for the given model:
// 10 epochs of batch 64, SGD with learning rate 0.01 and momentum 0.5, a log
// line every 300 batches.
func DefaultConfig(model string) Config {
	return Config{Model: model, Epochs: recipe.Epochs, BatchSize: recipe.BatchSize, EvalBatchSize: recipe.EvalBatchSize,
		LearningRate: recipe.LearningRate, Momentum: recipe.Momentum, Seed: recipe.Seed, LogEvery: recipe.LogEvery}
}

// Validate returns an error naming the first setting that makes no sense.
func (c Config) Validate() error {
	_, err := c.parts()
	return err
}

// parts is what a valid Config builds: its net and its optimiser.
type parts struct {
	spec models.Spec
	sgd  *optim.SGD
}

// parts validates c and builds its net's spec and its optimiser, once: the
// error names the first setting that makes no sense.
func (c Config) parts() (parts, error) {
	spec, err := models.ByName(c.Model)
	if err != nil {
		return parts{}, err
	}
	if c.Epochs < 1 || c.Epochs > 1000 {
		return parts{}, fmt.Errorf("epochs must be between 1 and 1000, got %d (the lesson uses %d)", c.Epochs, recipe.Epochs)
	}
	if c.BatchSize < 1 || c.BatchSize > recipe.TrainImages {
		return parts{}, fmt.Errorf("batch size must be between 1 and %d, got %d (the lesson uses %d)", recipe.TrainImages, c.BatchSize, recipe.BatchSize)
	}
	if c.EvalBatchSize < 1 || c.EvalBatchSize > recipe.TestImages {
		return parts{}, fmt.Errorf("evaluation batch size must be between 1 and %d, got %d", recipe.TestImages, c.EvalBatchSize)
	}
	sgd, err := optim.NewSGD(c.LearningRate, c.Momentum)
	if err != nil {
		return parts{}, err
	}
	if c.LearningRate > 10 || math.IsNaN(c.LearningRate) {
		return parts{}, fmt.Errorf("learning rate %g is far too large for this recipe (the lesson uses %g)", c.LearningRate, recipe.LearningRate)
	}
	if c.LogEvery < 1 {
		return parts{}, fmt.Errorf("log interval must be at least 1 batch, got %d (the lesson uses %d)", c.LogEvery, recipe.LogEvery)
	}
	return parts{spec: spec, sgd: sgd}, nil
}

// CheckWritableDir creates dir if needed and proves a file can be written in it.
func CheckWritableDir(dir string) error {
	if dir == "" {
		return errors.New("no output folder given")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder %s can't be created: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("output folder %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
