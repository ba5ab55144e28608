// Package steptime times the lesson's training step (StepTimer) on random
// MNIST-shaped batches, the one timing the benchmarks and the GPU check share.
package steptime

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"

	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// StepTimer times training steps of a recipe on random MNIST-shaped batches,
// exactly as Train runs them: each step sends a fresh batch from the host,
// runs the forward pass, the backward pass and the SGD-momentum update, and
// reads the loss back. It is the one timing that the benchmarks (cmd/bench,
// BenchmarkTrainStep) and the GPU check share.
type StepTimer struct {
	trainer *train.Trainer
	data    train.Dataset
	// Compile is the time of the first step: compilation and one run.
	Compile time.Duration
	// CPU is the processor time the whole process used during the last call
	// of Time, all threads together (0 where the system does not say). On a
	// busy machine it varies less than the wall time.
	CPU time.Duration
}

// stepTimerBatches is how many different random batches a StepTimer cycles through.
const stepTimerBatches = 4

// NewStepTimer builds cfg's trainer on backend with fresh weights from
// cfg.Seed, compiles it and runs one step. An invalid cfg is an error.
func NewStepTimer(backend compute.Backend, cfg training.Config) (t *StepTimer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("timing %s on %s: %v", cfg.Model, backend.Name(), r)
		}
	}()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return nil, err
	}
	trainer, err := training.NewTrainer(backend, store, cfg)
	if err != nil {
		return nil, err
	}
	t = &StepTimer{trainer: trainer, data: training.NewBatches("timing", RandomDataset(stepTimerBatches*cfg.BatchSize, uint64(cfg.Seed)), cfg.BatchSize)}
	start := time.Now()
	if _, err := t.Time(1); err != nil {
		return nil, err
	}
	t.Compile = time.Since(start)
	return t, nil
}

// Time runs steps training steps and returns the wall time of each.
func (t *StepTimer) Time(steps int) (times []time.Duration, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("training step: %v", r)
		}
	}()
	times = make([]time.Duration, 0, steps)
	cpu0 := ProcessCPU()
	defer func() { t.CPU = ProcessCPU() - cpu0 }()
	for len(times) < steps {
		for batch, err := range t.data.Iter() {
			if err != nil {
				return times, err
			}
			start := time.Now()
			if _, err := t.trainer.TrainStep(batch); err != nil {
				return times, err
			}
			times = append(times, time.Since(start))
			if len(times) == steps {
				break
			}
		}
	}
	return times, nil
}

// RandomDataset returns n MNIST-shaped images of uniformly random grey levels
// with random labels, from seed.
func RandomDataset(n int, seed uint64) *mnist.Dataset {
	r := rand.New(rand.NewPCG(seed, 28))
	d := &mnist.Dataset{N: n, Pixels: make([]uint8, n*mnist.ImageSize), Labels: make([]int32, n)}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(r.IntN(256))
	}
	for i := range d.Labels {
		d.Labels[i] = int32(r.IntN(10))
	}
	return d
}

// ProcessCPU returns the processor time (user and system) this process has
// used so far: 0 where the system can't say.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
