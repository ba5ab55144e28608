package training

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/metric"

	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/optim"
	"github.com/learn-gomlx/advanced-cnn/lib/procmem"
	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
	"github.com/learn-gomlx/advanced-cnn/lib/stats"
)

// Progress is passed to Hooks.OnStep after every training step.
type Progress struct {
	Epoch, Epochs        int // 1-based epoch and the total
	Step, StepsPerEpoch  int // 1-based step within the epoch and the number of steps in an epoch
	GlobalStep, AllSteps int // steps since the start of training (resumed epochs included) and the total
	Loss                 float64
	Elapsed              time.Duration // wall time of this invocation's training so far
}

// Hooks let a caller follow training, for example to draw live curves.
// Any of them may be nil. A hook that returns an error stops training.
type Hooks struct {
	OnStep  func(Progress) error
	OnLog   func(LogLine) error
	OnEpoch func(EpochResult) error
}

// Options are the parts of a run that are not the recipe.
type Options struct {
	// OutDir, if not empty, receives the checkpoint and the history after every epoch.
	OutDir string
	// Resume continues from the checkpoint in OutDir. Without it, a checkpoint
	// already in OutDir is an error: nothing saved is overwritten.
	Resume bool
	Hooks  Hooks
	// Backend names the backend in the history, e.g. "xla:cpu" (see backend.Choice);
	// empty means the backend's own short name.
	Backend string
	// Model, if not nil, is the net that trains instead of the library's
	// cfg.Model: a notebook's own version of it, for example, as the student
	// edited it. cfg.Model still names the run in the history and the checkpoint.
	Model models.Fn
	// Store, if not nil, is the model store the net trains in. When Train
	// returns it holds the trained weights (and the optimiser's state), for
	// Predict or GradientNorms. Weights already in it (from GradientNorms on
	// the untrained net, say) are where training starts; with Resume it must
	// be empty. Nil means a store of Train's own.
	Store *model.Store
}

// Train runs cfg on backend with the given training and test sets and returns
// the history. When it fails after some epochs, the history of the finished
// epochs is returned with the error (and is already saved in OutDir).
func Train(backend compute.Backend, cfg Config, trainSet, testSet *mnist.Dataset, opts Options) (h *History, err error) {
	parts, err := cfg.parts()
	if err != nil {
		return nil, err
	}
	for _, d := range []struct {
		name string
		data *mnist.Dataset
	}{{"training set", trainSet}, {"test set", testSet}} {
		if err := CheckDataset(d.name, d.data); err != nil {
			return nil, err
		}
	}
	store := opts.Store
	if store == nil {
		store = model.NewStore()
	} else if n := store.NumVariables(); n > 0 && opts.Resume {
		return nil, fmt.Errorf("can't resume into a store that already holds %d variables: give Train an empty one (model.NewStore())", n)
	}
	if err := store.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return nil, err
	}
	if opts.Backend == "" {
		opts.Backend = backend.String()
	}
	h = &History{Config: cfg, Backend: opts.Backend, Device: backend.Description(), Train: trainSet.N, Test: testSet.N}
	if opts.OutDir != "" {
		if err := CheckWritableDir(opts.OutDir); err != nil {
			return nil, err
		}
		ckpt, err := LoadCheckpoint(opts.OutDir)
		switch {
		case errors.Is(err, ErrNoCheckpoint):
			if opts.Resume {
				return nil, fmt.Errorf("-resume: %w; train without -resume to start", err)
			}
		case err != nil:
			return nil, err
		case !opts.Resume:
			return nil, fmt.Errorf("%s already holds a checkpoint of %q after %d epochs: pass -resume to continue it, or choose another output folder",
				opts.OutDir, ckpt.History.Config.Model, ckpt.Epoch())
		default:
			if err := ckpt.compatible(cfg); err != nil {
				return nil, fmt.Errorf("can't resume from %s: %w", opts.OutDir, err)
			}
			if err := ckpt.restore(store); err != nil {
				return nil, fmt.Errorf("can't resume from %s: %w", opts.OutDir, err)
			}
			h.Logs, h.Epochs = ckpt.History.Logs, ckpt.History.Epochs
		}
	}

	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("training %s failed: %v", cfg.Model, r)
		}
	}()
	build := opts.Model
	if build == nil {
		build = parts.spec.Build
	}
	trainer := newTrainer(backend, store, build, parts.sgd)

	stepsPerEpoch := recipe.Steps(trainSet.N, cfg.BatchSize)
	start := time.Now()
	for epoch := len(h.Epochs) + 1; epoch <= cfg.Epochs; epoch++ {
		res, logs, err := runEpoch(trainer, cfg, trainSet, epoch, stepsPerEpoch, start, opts.Hooks)
		if err != nil {
			return h, err
		}
		procmem.Release()
		evalStart := time.Now()
		metrics, err := trainer.Eval(&batches{name: "test", data: testSet, size: cfg.EvalBatchSize})
		if err != nil {
			return h, fmt.Errorf("evaluating epoch %d: %w", epoch, err)
		}
		res.TestLoss, res.TestAccuracy = scalar(metrics[0]), scalar(metrics[1])
		procmem.TrimCHeap() // what the evaluation program's compilation and run freed
		res.EvalSeconds = time.Since(evalStart).Seconds()
		h.Logs = append(h.Logs, logs...)
		h.Epochs = append(h.Epochs, res)
		if opts.OutDir != "" {
			ckpt, err := snapshot(store, h)
			if err == nil {
				err = ckpt.Save(opts.OutDir)
			}
			if err == nil {
				err = h.Save(opts.OutDir)
			}
			if err != nil {
				return h, fmt.Errorf("saving epoch %d: %w", epoch, err)
			}
		}
		if opts.Hooks.OnEpoch != nil {
			if err := opts.Hooks.OnEpoch(res); err != nil {
				return h, err
			}
		}
	}
	return h, nil
}

// NewTrainer returns the GoMLX trainer of cfg's recipe on store: cfg.Model's
// net, cross-entropy on its logits, SGD with momentum, and accuracy. Its
// TrainStep returns the batch loss, its moving average and the epoch's running
// training accuracy; its Eval returns the mean loss and the accuracy.
func NewTrainer(backend compute.Backend, store *model.Store, cfg Config) (*train.Trainer, error) {
	parts, err := cfg.parts()
	if err != nil {
		return nil, err
	}
	return newTrainer(backend, store, parts.spec.Build, parts.sgd), nil
}

// newTrainer is NewTrainer for the net build with the optimiser sgd.
func newTrainer(backend compute.Backend, store *model.Store, build models.Fn, sgd *optim.SGD) *train.Trainer {
	modelFn := (func(*model.Scope, *graph.Node) *graph.Node)(build) // the trainer wants the plain func type
	return train.NewTrainer(backend, store, modelFn, loss.SparseCategoricalCrossEntropyLogits, sgd,
		[]metric.Interface{metric.NewSparseCategoricalAccuracy("Accuracy", "acc")},
		[]metric.Interface{metric.NewSparseCategoricalAccuracy("Accuracy", "acc")})
}

// trimEvery is how often, in steps, training gives the memory XLA has freed
// back to the system (procmem.TrimCHeap): a few milliseconds every 200 steps
// of about 10 ms, against tens of MiB that XLA's threads free and glibc would
// otherwise keep (docs/memory.md). Around the steps and the evaluation that
// compile a program, procmem.Release also returns Go's garbage first.
const trimEvery = 200

// runEpoch trains one epoch and returns its result (without the test figures) and log lines.
func runEpoch(trainer *train.Trainer, cfg Config, data *mnist.Dataset, epoch, stepsPerEpoch int,
	start time.Time, hooks Hooks) (EpochResult, []LogLine, error) {
	res := EpochResult{Epoch: epoch, Steps: stepsPerEpoch}
	if err := trainer.ResetTrainMetrics(); err != nil {
		return res, nil, err
	}
	ds := &batches{name: "train", data: data, size: cfg.BatchSize, order: EpochOrder(cfg.Seed, epoch, data.N)}
	var logs []LogLine
	var lossSum, windowSum float64
	stepTimes := make([]float64, 0, stepsPerEpoch)
	epochStart := time.Now()
	step := 0
	for batch, err := range ds.Iter() {
		if err != nil {
			return res, nil, err
		}
		step++
		globalStep := (epoch-1)*stepsPerEpoch + step
		compiles := step == 1 || step == stepsPerEpoch // the first and the last (partial) batch's programs
		if compiles {
			procmem.Release() // lower the floor the compiler's peak stands on
		}
		t0 := time.Now()
		metrics, err := trainer.TrainStep(batch)
		if err != nil {
			return res, nil, fmt.Errorf("epoch %d step %d: %w", epoch, step, err)
		}
		stepTimes = append(stepTimes, float64(time.Since(t0).Microseconds())/1000)
		if compiles || step%trimEvery == 0 {
			procmem.TrimCHeap() // what the compiler and XLA's threads freed
		}
		loss := scalar(metrics[0])
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return res, nil, fmt.Errorf("training diverged: the loss is %v at epoch %d, step %d (global step %d) with learning rate %g; "+
				"try a smaller learning rate (the lesson uses 0.01)", loss, epoch, step, globalStep, cfg.LearningRate)
		}
		lossSum += loss
		windowSum += loss
		if step%cfg.LogEvery == 0 {
			line := LogLine{Epoch: epoch, Batch: step, GlobalStep: globalStep, MeanLoss: windowSum / float64(cfg.LogEvery)}
			windowSum = 0
			logs = append(logs, line)
			if hooks.OnLog != nil {
				if err := hooks.OnLog(line); err != nil {
					return res, nil, err
				}
			}
		}
		if step == stepsPerEpoch {
			res.TrainAccuracy = scalar(metrics[2])
		}
		if hooks.OnStep != nil {
			err := hooks.OnStep(Progress{Epoch: epoch, Epochs: cfg.Epochs, Step: step, StepsPerEpoch: stepsPerEpoch,
				GlobalStep: globalStep, AllSteps: cfg.Epochs * stepsPerEpoch, Loss: loss, Elapsed: time.Since(start)})
			if err != nil {
				return res, nil, err
			}
		}
	}
	res.TrainSeconds = time.Since(epochStart).Seconds()
	res.TrainLoss = lossSum / float64(step)
	res.MedianStepMs = stats.Median(stepTimes)
	return res, logs, nil
}

// CheckDataset makes sure d holds N images of 28x28 pixels and N labels 0..9.
func CheckDataset(name string, d *mnist.Dataset) error {
	if d == nil || d.N <= 0 {
		return fmt.Errorf("the %s is empty", name)
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("the %s: %w", name, err)
	}
	return nil
}

// EpochOrder is the order in which the training images are visited in the
// given (1-based) epoch: a permutation of 0..n-1 that depends only on the seed
// and the epoch, so a resumed run sees the same batches as an uninterrupted one.
func EpochOrder(seed int64, epoch, n int) []int {
	return rand.New(rand.NewPCG(uint64(seed), uint64(epoch))).Perm(n)
}

// scalar reads a scalar metric as float64.
func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

// NewBatches returns data as a train.Dataset of batches of size images in
// stored order, the last batch possibly smaller, exactly as Train feeds them:
// images [batch, 1, 28, 28] and labels [batch, 1]. Evaluation and the step
// timer use it. A batch's tensors are freed when the next one is asked for:
// use each batch before taking the next, as train.Trainer does.
func NewBatches(name string, data *mnist.Dataset, size int) train.Dataset {
	return &batches{name: name, data: data, size: size}
}

// batches yields a dataset in batches of size, in the given order (nil: the
// stored order), the last batch possibly smaller. Images are [batch, 1, 28, 28]
// float32, normalised from the dataset's bytes batch by batch, and labels
// [batch, 1]. A batch is valid until the consumer asks for the next one (or
// stops): then its tensors are freed, on the host and on the device, without
// waiting for Go's garbage collector, which does not see the device's copies.
type batches struct {
	name  string
	data  *mnist.Dataset
	size  int
	order []int
}

// Name implements train.Dataset.
func (b *batches) Name() string { return b.name }

// Iter implements train.Dataset.
func (b *batches) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		idx := make([]int, 0, b.size)
		for first := 0; first < b.data.N; first += b.size {
			n := min(b.size, b.data.N-first)
			idx = idx[:0]
			for i := first; i < first+n; i++ {
				if b.order != nil {
					idx = append(idx, b.order[i])
				} else {
					idx = append(idx, i)
				}
			}
			images := tensors.FromShape(shapes.Make(dtypes.Float32, n, mnist.Channels, mnist.Rows, mnist.Cols))
			labels := tensors.FromShape(shapes.Make(dtypes.Int32, n, 1))
			var fillErr error
			err := tensors.MutableFlatData(images, func(flat []float32) { fillErr = b.data.ImagesInto(flat, idx) })
			err = errors.Join(err, fillErr, tensors.MutableFlatData(labels, func(flat []int32) {
				for k, i := range idx {
					flat[k] = b.data.Labels[i]
				}
			}))
			if err != nil {
				yield(train.Batch{}, fmt.Errorf("%s batch at %d: %w", b.name, first, err))
				return
			}
			more := yield(train.Batch{Inputs: []*tensors.Tensor{images}, Labels: []*tensors.Tensor{labels}}, nil)
			if err := errors.Join(images.FinalizeAll(), labels.FinalizeAll()); err != nil && more {
				yield(train.Batch{}, fmt.Errorf("%s batch at %d: freeing it: %w", b.name, first, err))
				return
			}
			if !more {
				return
			}
		}
	}
}
