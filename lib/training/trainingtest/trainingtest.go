// Package trainingtest provides the small synthetic datasets the tests of
// the training, evaluation and weights packages train on.
package trainingtest

import (
	"math/rand/v2"

	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
)

// Synthetic returns a small deterministic dataset: images whose mean
// brightness encodes the label, so a few steps already learn something.
func Synthetic(n int, seed uint64) *mnist.Dataset {
	r := rand.New(rand.NewPCG(seed, 7))
	d := &mnist.Dataset{N: n, Images: make([]float32, n*mnist.Rows*mnist.Cols), Labels: make([]int32, n)}
	for i := range n {
		label := int32(r.IntN(10))
		d.Labels[i] = label
		for p := range mnist.Rows * mnist.Cols {
			d.Images[i*mnist.Rows*mnist.Cols+p] = float32(r.NormFloat64()*0.5) + float32(label)/5
		}
	}
	return d
}
