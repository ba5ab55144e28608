// Package depth runs notebook 04's experiment: deep nets of the same layers
// in four kinds (models.DeepKinds: plain, plain He-initialised, the
// lesson's residual blocks, pre-activation blocks), each trained for a few
// hundred steps with the lesson's recipe, with the gradient that reaches each
// layer measured before and after, and the accuracy on the training images
// the net trained on and on the test images. The plain nets with and without
// He initialisation tell the vanishing gradient apart from degradation, which
// is what remains when the gradient is healthy.
package depth

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/evaluate"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// Result is what one net's run measured.
type Result struct {
	// Name is the model's name: "plain-10", "plain-he-10", "residual-10" or "preact-10".
	Name string `json:"name"`
	// Kind is the kind of net, the name without the depth.
	Kind models.DeepKind `json:"kind"`
	// Depth is the number of 3x3 layers between the stem and the head.
	Depth int `json:"depth"`
	// Residual says whether the layers are in residual blocks (of either kind).
	Residual bool `json:"residual"`
	// Init and Trained are the gradient norms of each layer's weight, from
	// the input to the output, for the same batch before and after training.
	Init    []evaluate.LayerGradient `json:"init_gradients"`
	Trained []evaluate.LayerGradient `json:"trained_gradients"`
	// Losses is the training loss of every step.
	Losses []float64 `json:"losses"`
	// TrainImages is the number of training images the net trained on (Steps·64).
	TrainImages int `json:"train_images"`
	// TrainAccuracy is the accuracy after training on those training images:
	// how well the net fits what it was trained on, the measure of degradation.
	TrainAccuracy float64 `json:"train_accuracy"`
	// TestAccuracy is the accuracy on the test set after training.
	TestAccuracy float64 `json:"test_accuracy"`
	// Seconds is the wall time of the whole run, compilation included.
	Seconds float64 `json:"seconds"`
	// TrainSeconds is the wall time of the training steps alone, and
	// MedianStepMs the median step's: the rest of Seconds is compilation,
	// the gradient norms and the evaluations.
	TrainSeconds float64 `json:"train_seconds"`
	MedianStepMs float64 `json:"median_step_ms"`
}

// Options configure Run.
type Options struct {
	// Steps is the number of training steps, batches of 64 of the first images
	// of the training set (at most all of them: 937 steps).
	Steps int
	// GradientBatch is the number of training images the gradient norms are measured on (64 when 0).
	GradientBatch int
	// Seed fixes the initial weights and the batch order (1 when 0).
	Seed int64
	// Hooks follow the training, as in training.Options.
	Hooks training.Hooks
}

// Run trains the net called name (see models.ByName: "KIND-N" for a
// models.DeepKind KIND) for o.Steps steps of the lesson's recipe and measures it.
func Run(backend compute.Backend, name string, trainSet, testSet *mnist.Dataset, o Options) (Result, error) {
	spec, err := models.ByName(name)
	if err != nil {
		return Result{}, err
	}
	r := Result{Name: name}
	for _, k := range models.DeepKinds() {
		if n, ok := strings.CutPrefix(name, string(k)+"-"); ok {
			if d, err := strconv.Atoi(n); err == nil {
				r.Kind, r.Depth, r.Residual = k, d, k.Blocks()
			}
		}
	}
	if r.Kind == "" {
		return Result{}, fmt.Errorf("depth.Run compares deep nets (%q followed by -N), not %q", models.DeepKinds(), name)
	}
	if trainSet == nil || testSet == nil {
		return r, errors.New("depth.Run needs a training set and a test set")
	}
	cfg := training.DefaultConfig(name)
	cfg.Epochs = 1
	if o.Seed != 0 {
		cfg.Seed = o.Seed
	}
	maxSteps := trainSet.N / cfg.BatchSize
	if o.Steps < 1 || o.Steps > maxSteps {
		return r, fmt.Errorf("steps must be between 1 and %d (batches of %d of the %d training images), got %d",
			maxSteps, cfg.BatchSize, trainSet.N, o.Steps)
	}
	if o.GradientBatch == 0 {
		o.GradientBatch = 64
	}
	cfg.LogEvery = max(1, o.Steps/10)
	start := time.Now()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return r, err
	}
	probe, err := evaluate.NewGradientProbe(backend, store, spec.Build)
	if err != nil {
		return r, err
	}
	defer probe.Close()
	if r.Init, err = probe.Norms(trainSet, o.GradientBatch); err != nil {
		return r, err
	}
	hooks := o.Hooks
	next := hooks.OnStep
	hooks.OnStep = func(p training.Progress) error {
		r.Losses = append(r.Losses, p.Loss)
		if next != nil {
			return next(p)
		}
		return nil
	}
	// The images these steps train on: the training accuracy is measured on them.
	sub := trainSet.Head(o.Steps * cfg.BatchSize)
	h, err := training.Train(backend, cfg, sub, testSet, training.Options{Store: store, Hooks: hooks})
	if err != nil {
		return r, err
	}
	final, _ := h.Final()
	r.TestAccuracy = final.TestAccuracy
	r.TrainSeconds, r.MedianStepMs = final.TrainSeconds, final.MedianStepMs
	r.TrainImages = sub.N
	pred, err := evaluate.Predict(backend, store, spec.Build, sub, cfg.EvalBatchSize)
	if err != nil {
		return r, err
	}
	c, err := evaluate.NewConfusion(sub.Labels, pred)
	if err != nil {
		return r, err
	}
	r.TrainAccuracy = c.Accuracy()
	if r.Trained, err = probe.Norms(trainSet, o.GradientBatch); err != nil {
		return r, err
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// MeanLoss is the mean training loss of the last n steps (all when fewer).
func (r Result) MeanLoss(n int) float64 {
	if len(r.Losses) == 0 {
		return 0
	}
	last := r.Losses[max(0, len(r.Losses)-n):]
	s := 0.0
	for _, l := range last {
		s += l
	}
	return s / float64(len(last))
}

// Ratio is the gradient norm of the first layer (the stem, next to the
// input) over that of the last one (the linear layer) in norms: how much of
// the gradient survives the way down.
func Ratio(norms []evaluate.LayerGradient) float64 {
	if len(norms) < 2 || norms[len(norms)-1].Norm == 0 {
		return 0
	}
	return norms[0].Norm / norms[len(norms)-1].Norm
}
