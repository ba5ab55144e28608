// Package models defines the lesson's two nets for MNIST, layer for layer as
// in the PyTorch lecture: the GoogLeNet-style Inception net and the simple
// residual net. Inputs are [batch, 1, 28, 28] images, outputs [batch, 10] logits.
//
// Variables are named and shaped as in PyTorch's state_dict:
// "/incep1/branch5x5_2/weight" here is "incep1.branch5x5_2.weight" there.
// Inside, the nets compute channels-last ([batch, H, W, C], see package nn):
// one transpose at the input, and one in nn.Flatten before the last layer,
// so that fc keeps PyTorch's weights. Shapes in comments are PyTorch's
// (C, H, W); AssertDims checks them channels-last.
package models

import (
	"fmt"
	"sort"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

// InceptionA is the lesson's Inception block: four branches on the same input
// x [batch, H, W, in] (channels-last), concatenated along the channel axis
// into [batch, H, W, 16+24+24+24 = 88]. As in the lesson, no activation inside.
func InceptionA(scope *model.Scope, x *Node) *Node {
	return Concatenate(InceptionBranches(scope, x), -1) // torch.cat(outputs, dim=1)
}

// InceptionBranches are the four branches of InceptionA before they are
// concatenated, in the lesson's order, channels-last: 1x1 [batch, H, W, 16],
// 5x5 [batch, H, W, 24], 3x3 [batch, H, W, 24] and average pooling [batch, H, W, 24].
func InceptionBranches(scope *model.Scope, x *Node) []*Node {
	return inceptionBranches(scope, x, func(x *Node) *Node { return x })
}

// inceptionBranches are InceptionBranches with after applied to the output
// of each 1x1 convolution.
func inceptionBranches(scope *model.Scope, x *Node, after func(*Node) *Node) []*Node {
	branch1x1 := after(nn.Conv2D(scope.In("branch1x1"), x, 16, 1, 0))

	branch5x5 := after(nn.Conv2D(scope.In("branch5x5_1"), x, 16, 1, 0))
	branch5x5 = nn.Conv2D(scope.In("branch5x5_2"), branch5x5, 24, 5, 2)

	branch3x3 := after(nn.Conv2D(scope.In("branch3x3_1"), x, 16, 1, 0))
	branch3x3 = nn.Conv2D(scope.In("branch3x3_2"), branch3x3, 24, 3, 1)
	branch3x3 = nn.Conv2D(scope.In("branch3x3_3"), branch3x3, 24, 3, 1)

	branchPool := nn.AvgPool3(scope.In("avg_pool"), x)
	branchPool = after(nn.Conv2D(scope.In("branch_pool"), branchPool, 24, 1, 0))

	return []*Node{branch1x1, branch5x5, branch3x3, branchPool}
}

// InceptionAReLU is InceptionA with a ReLU after each of its four 1x1
// convolutions, as Network in Network and GoogLeNet put one: the lesson's
// block has none, so its 1x1 convolutions only mix channels linearly.
func InceptionAReLU(scope *model.Scope, x *Node) *Node {
	return Concatenate(inceptionBranches(scope, x, activation.Relu), -1)
}

// InceptionReLUNet is InceptionNet with InceptionAReLU blocks: the same
// layers and parameters, with a ReLU after each 1x1 convolution.
func InceptionReLUNet(scope *model.Scope, x *Node) *Node {
	return inceptionNet(scope, x, InceptionAReLU)
}

// InceptionNet is the lesson's GoogLeNet-style net: x [batch, 1, 28, 28] to
// logits [batch, 10], with 97,298 trainable parameters.
func InceptionNet(scope *model.Scope, x *Node) *Node {
	return inceptionNet(scope, x, InceptionA)
}

// inceptionNet is the lesson's Inception net with block as its Inception block.
func inceptionNet(scope *model.Scope, x *Node, block func(*model.Scope, *Node) *Node) *Node {
	batch := x.Shape().Dim(0)
	x = inceptionInput(scope, x)
	x = block(scope.In("incep1"), x)
	x.AssertDims(batch, 12, 12, 88)
	x = activation.Relu(nn.MaxPool2(scope.In("mp2"), nn.Conv2D(scope.In("conv2"), x, 20, 5, 0)))
	x = block(scope.In("incep2"), x)
	x = nn.Flatten(x)
	x.AssertDims(batch, 1408)
	return nn.Linear(scope.In("fc"), x, 10)
}

// inceptionInput is the Inception net's first layer: x [batch, 1, 28, 28]
// (channels-first, as PyTorch) to [batch, 12, 12, 10] (channels-last).
func inceptionInput(scope *model.Scope, x *Node) *Node {
	x.AssertDims(x.Shape().Dim(0), 1, 28, 28)
	x = nn.ToChannelsLast(x)
	return activation.Relu(nn.MaxPool2(scope.In("mp1"), nn.Conv2D(scope.In("conv1"), x, 10, 5, 0)))
}

// ResidualBlock is the lesson's block on x [batch, H, W, c] (channels-last):
// y = relu(conv1(x)); y = conv2(y); out = relu(x + y), both convolutions 3x3, c to c, padding 1.
func ResidualBlock(scope *model.Scope, x *Node) *Node {
	channels := x.Shape().Dim(-1)
	y := activation.Relu(nn.Conv2D(scope.In("conv1"), x, channels, 3, 1))
	y = nn.Conv2D(scope.In("conv2"), y, channels, 3, 1)
	return activation.Relu(Add(x, y))
}

// ResidualNet is the lesson's simple residual net: x [batch, 1, 28, 28] to
// logits [batch, 10], with 41,514 trainable parameters.
func ResidualNet(scope *model.Scope, x *Node) *Node {
	return residualNet(scope, x, ResidualBlock)
}

// ResidualNetWith is the lesson's residual net with block in place of
// ResidualBlock, a student's edit of it; block must keep its input's shape.
func ResidualNetWith(block func(*model.Scope, *Node) *Node) Fn {
	return func(scope *model.Scope, x *Node) *Node { return residualNet(scope, x, block) }
}

// residualNet is the lesson's residual net with block as its residual block.
func residualNet(scope *model.Scope, x *Node, block func(*model.Scope, *Node) *Node) *Node {
	batch := x.Shape().Dim(0)
	x.AssertDims(batch, 1, 28, 28)
	x = nn.ToChannelsLast(x)
	x = nn.MaxPool2(scope.In("mp1"), activation.Relu(nn.Conv2D(scope.In("conv1"), x, 16, 5, 0)))
	x = block(scope.In("rblock1"), x)
	x.AssertDims(batch, 12, 12, 16)
	x = nn.MaxPool2(scope.In("mp2"), activation.Relu(nn.Conv2D(scope.In("conv2"), x, 32, 5, 0)))
	x = block(scope.In("rblock2"), x)
	x = nn.Flatten(x)
	x.AssertDims(batch, 512)
	return nn.Linear(scope.In("fc"), x, 10)
}

// Fn is the signature of a model: images [batch, 1, 28, 28] to logits [batch, 10].
type Fn func(scope *model.Scope, x *Node) *Node

// Spec describes one of the lesson's nets.
type Spec struct {
	// Name is the short name used on the command line: "inception" or "resnet".
	Name string
	// Title is a human-readable name.
	Title string
	// Build is the model function.
	Build Fn
	// Params is the number of trainable parameters the lesson's PyTorch net has.
	Params int
}

var specs = map[string]Spec{
	"inception": {Name: "inception", Title: "Inception net (GoogLeNet InceptionA)", Build: InceptionNet, Params: 97298},
	"resnet":    {Name: "resnet", Title: "Simple residual net", Build: ResidualNet, Params: 41514},
}

// variants are nets that ByName knows besides the lesson's, for experiments
// on them; Names does not list them.
var variants = map[string]Spec{
	"inception-relu": {Name: "inception-relu", Title: "Inception net with a ReLU after each 1x1 convolution",
		Build: InceptionReLUNet, Params: 97298},
}

// Names lists the lesson's nets' names, sorted.
func Names() []string {
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ByName returns the model called name, or an error listing the known ones.
// Besides the lesson's nets (Names), "inception-relu" is InceptionReLUNet, and
// "KIND-N" is DeepNet(KIND, N), a deep net of notebook 04: "plain-N",
// "plain-he-N", "residual-N" or "preact-N".
func ByName(name string) (Spec, error) {
	if s, ok, err := deepSpec(name); ok {
		return s, err
	}
	s, ok := specs[name]
	if v, isVariant := variants[name]; isVariant {
		s, ok = v, true
	}
	if !ok {
		return Spec{}, fmt.Errorf("unknown model %q: choose one of %q, or KIND-N for a deep net of depth N, KIND one of %q", name, Names(), DeepKinds())
	}
	return s, nil
}

// Summary is what building a model once reveals: its per-layer cost table
// and the trainable parameters it actually created.
type Summary struct {
	Table *cost.Table
	// TrainableParams counts the elements of every trainable variable in the store.
	TrainableParams int
	// Output is the logits' shape for a batch of one.
	Output []int
}

// Summarize builds fn for a batch of one image and returns its summary. It
// builds and runs the net on GoMLX's pure-Go backend, whatever backend trains
// it: the layers' shapes, parameters and multiplications don't depend on the
// backend, and the pure-Go backend runs one image in milliseconds, where XLA
// would first compile the net, for seconds (docs/notebook-internals.md, "What
// a cell costs", has both times and the command).
func Summarize(fn Fn) (s Summary, err error) {
	backend, err := gobackend.New("")
	if err != nil {
		return s, fmt.Errorf("summarize: GoMLX's pure-Go backend: %w", err)
	}
	defer backend.Finalize()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		return s, err
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
		s.Table = cost.Attach(x.Graph())
		return fn(scope, x)
	})
	if err != nil {
		return s, err
	}
	out, err := exec.Exec(tensors.FromShape(shapes.Make(nn.DType, 1, 1, 28, 28)))
	if err != nil {
		return s, err
	}
	s.Output = out[0].Shape().Dimensions
	for v := range store.IterVariables() {
		if v.Trainable {
			s.TrainableParams += v.Shape().Size()
		}
	}
	return s, nil
}
