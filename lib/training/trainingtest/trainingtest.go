// Package trainingtest provides the small synthetic datasets that tests
// train on (those of the training, evaluate, weights, depth and lesson
// packages, and of cmd/train), and the shortened recipe they train with.
package trainingtest

import (
	"math"
	"math/rand/v2"

	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// Synthetic returns a small deterministic dataset: images whose mean
// brightness encodes the label, so a few steps already learn something.
func Synthetic(n int, seed uint64) *mnist.Dataset {
	r := rand.New(rand.NewPCG(seed, 7))
	d := &mnist.Dataset{N: n, Pixels: make([]uint8, n*mnist.ImageSize), Labels: make([]int32, n)}
	for i := range n {
		label := int32(r.IntN(10))
		d.Labels[i] = label
		for p := range mnist.ImageSize {
			// about 0.5 and 0.2 per digit after normalisation, as the float images were
			grey := 0.1307*255 + 0.3081*255*(r.NormFloat64()*0.5+float64(label)/5)
			d.Pixels[i*mnist.ImageSize+p] = uint8(max(0, min(255, math.Round(grey))))
		}
	}
	return d
}

// SmallConfig is the lesson's recipe for model shortened for tests: epochs
// epochs, a log line every 2 steps, evaluation in batches of 64.
func SmallConfig(model string, epochs int) training.Config {
	cfg := training.DefaultConfig(model)
	cfg.Epochs, cfg.LogEvery, cfg.EvalBatchSize = epochs, 2, 64
	return cfg
}
