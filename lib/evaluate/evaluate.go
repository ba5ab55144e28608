// Package evaluate measures a trained net: its predictions on a dataset
// (Predict), the confusion matrix and the mistakes, and the gradient norms of
// its layers (GradientProbe).
package evaluate

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/loss"

	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// Predict runs the net build with the weights in store on every image of data,
// batchSize images at a time, and returns the predicted digit of each (the
// largest logit). Missing weights are initialised as the net's layers do.
func Predict(backend compute.Backend, store *model.Store, build models.Fn, data *mnist.Dataset, batchSize int) (pred []int32, err error) {
	if build == nil || store == nil {
		return nil, fmt.Errorf("Predict needs a model function and a store")
	}
	if err := training.CheckDataset("dataset", data); err != nil {
		return nil, err
	}
	if batchSize < 1 {
		return nil, fmt.Errorf("batch size must be at least 1, got %d", batchSize)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("predicting: %v", r)
		}
	}()
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
		return ArgMax(build(scope, x), -1, dtypes.Int32)
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	pred = make([]int32, 0, data.N)
	for batch, err := range training.NewBatches("predict", data, batchSize).Iter() {
		if err != nil {
			return nil, err
		}
		out, err := exec.Exec(batch.Inputs[0])
		if err != nil {
			return nil, fmt.Errorf("predicting: %w", err)
		}
		pred = append(pred, tensors.MustCopyFlatData[int32](out[0])...)
	}
	return pred, nil
}

// Confusion is a confusion matrix of the ten digits: Counts[t][p] is the
// number of images of digit t that the net took for digit p.
type Confusion struct {
	Counts [10][10]int
}

// NewConfusion counts labels against predictions, which must be as many and all digits 0 to 9.
func NewConfusion(labels, pred []int32) (*Confusion, error) {
	if len(labels) != len(pred) {
		return nil, fmt.Errorf("confusion matrix: %d labels but %d predictions", len(labels), len(pred))
	}
	c := &Confusion{}
	for i := range labels {
		t, p := labels[i], pred[i]
		if t < 0 || t > 9 || p < 0 || p > 9 {
			return nil, fmt.Errorf("confusion matrix: image %d has label %d and prediction %d; both must be digits 0 to 9", i, t, p)
		}
		c.Counts[t][p]++
	}
	return c, nil
}

// Total is the number of images counted.
func (c *Confusion) Total() int {
	n := 0
	for t := range c.Counts {
		for p := range c.Counts[t] {
			n += c.Counts[t][p]
		}
	}
	return n
}

// Right is the number of images classified right: the diagonal.
func (c *Confusion) Right() int {
	right := 0
	for d := range c.Counts {
		right += c.Counts[d][d]
	}
	return right
}

// Accuracy is the share of images on the diagonal (0 when there are none).
func (c *Confusion) Accuracy() float64 {
	if n := c.Total(); n > 0 {
		return float64(c.Right()) / float64(n)
	}
	return 0
}

// Mistake is one misclassified image.
type Mistake struct {
	Index       int // the image's index in its dataset
	Label, Pred int32
}

// Mistakes lists the images whose prediction differs from the label, in
// dataset order, at most max of them (all when max <= 0).
func Mistakes(labels, pred []int32, max int) []Mistake {
	var m []Mistake
	for i := range min(len(labels), len(pred)) {
		if labels[i] != pred[i] {
			m = append(m, Mistake{Index: i, Label: labels[i], Pred: pred[i]})
			if max > 0 && len(m) == max {
				break
			}
		}
	}
	return m
}

// LayerGradient is the size of the loss's gradient with respect to one layer's weight.
type LayerGradient struct {
	// Layer is the layer's scope, "/block3/conv1" for the variable "/block3/conv1/weight".
	Layer string
	// Norm is the L2 norm of the gradient of the batch's mean loss with respect to the weight.
	Norm float64
}

// GradientProbe measures the gradient norms of a net's layers (see
// GradientNorms) with the weights that its store holds at each call: build
// it once, then call Norms before and after training, without compiling
// the graph again.
type GradientProbe struct {
	exec   *model.Exec
	layers []string
}

// NewGradientProbe prepares the measurement for the net build on store.
func NewGradientProbe(backend compute.Backend, store *model.Store, build models.Fn) (*GradientProbe, error) {
	if build == nil || store == nil {
		return nil, fmt.Errorf("a gradient probe needs a model function and a store")
	}
	p := &GradientProbe{}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x, labels *Node) *Node {
		logits := build(scope, x)
		meanLoss := loss.SparseCategoricalCrossEntropyLogits([]*Node{labels}, []*Node{logits})
		g := x.Graph()
		var vars []*Node
		p.layers = p.layers[:0]
		for v := range scope.IterVariables() {
			if v.Trainable && v.InUseByGraph(g) && v.Name() == "weight" {
				vars = append(vars, v.ValueGraph(g))
				p.layers = append(p.layers, strings.TrimSuffix(v.Path(), "/weight"))
			}
		}
		if len(vars) == 0 {
			panic("the net has no variables named \"weight\"")
		}
		grads := Gradient(ReduceAllMean(meanLoss), vars...)
		out := make([]*Node, len(grads))
		for i, gr := range grads {
			out[i] = L2Norm(ConvertDType(gr, dtypes.Float64))
		}
		return Stack(out, 0)
	})
	if err != nil {
		return nil, err
	}
	p.exec = exec
	return p, nil
}

// Norms computes, for the first n images of data as one batch, the L2 norm
// of the gradient of the mean cross-entropy loss with respect to each
// layer's weight (the variables named "weight"), in the order the net
// creates them: input side first. Weights missing from the store are
// initialised as the net's layers do, so on a fresh store (seeded with
// SetRNGStateFromSeed) it measures the untrained net. No weight changes.
func (p *GradientProbe) Norms(data *mnist.Dataset, n int) (norms []LayerGradient, err error) {
	if err := training.CheckDataset("dataset", data); err != nil {
		return nil, err
	}
	if n < 1 || n > data.N {
		return nil, fmt.Errorf("gradient norms: batch of %d images asked for, the dataset has %d", n, data.N)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gradient norms: %v", r)
		}
	}()
	for b, err := range training.NewBatches("gradients", data, n).Iter() {
		if err != nil {
			return nil, err
		}
		out, err := p.exec.Exec(b.Inputs[0], b.Labels[0])
		if err != nil {
			return nil, fmt.Errorf("gradient norms: %w", err)
		}
		for i, v := range tensors.MustCopyFlatData[float64](out[0]) {
			if math.IsNaN(v) {
				return nil, fmt.Errorf("gradient norms: the gradient of %s is not a number", p.layers[i])
			}
			norms = append(norms, LayerGradient{Layer: p.layers[i], Norm: v})
		}
		break // one batch: the first n images
	}
	return norms, nil
}

// Close frees the compiled graph.
func (p *GradientProbe) Close() { p.exec.Finalize() }

// GradientNorms is GradientProbe's Norms, measured once.
func GradientNorms(backend compute.Backend, store *model.Store, build models.Fn, data *mnist.Dataset, n int) ([]LayerGradient, error) {
	p, err := NewGradientProbe(backend, store, build)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	return p.Norms(data, n)
}
