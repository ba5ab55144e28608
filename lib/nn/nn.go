// Package nn holds the few layers the lesson's nets are made of, written for
// GoMLX with PyTorch's conventions where a user sees them: weights are laid
// out as PyTorch stores them ([out, in, kh, kw] for convolutions, [out, in]
// for linear layers), named as in its state_dict, and initialised as PyTorch
// does by default, uniform in ±1/sqrt(fan_in) for weights and biases.
//
// Inside, the activations are channels-last, [batch, H, W, C], the layout
// XLA's CPU convolutions work in: given channels-first tensors, XLA transposes
// them around every convolution. A net therefore converts its input once with
// ToChannelsLast and flattens with Flatten, which restores PyTorch's (channel,
// row, column) order, so that a linear layer after it keeps PyTorch's weights.
//
// Each layer records its parameters and multiplications with package cost, so a
// model's per-layer cost table comes from the graph that was really built.
//
// Every layer runs on every GoMLX backend. Where GoMLX's pure-Go backend lacks
// an operation or its gradient (max pool, padded pooling, padding) or is very
// slow (its direct convolution), the layer uses an equivalent formulation built
// from slices, reshapes, reductions and matrix products; on XLA it uses the
// native operations. Tests check that both give the same numbers.
//
// Like all GoMLX graph-building functions, these panic on misuse (a wrong
// shape); the training package turns such panics into errors.
package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	timages "github.com/gomlx/gomlx/core/tensors/images"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
)

// DType is the floating-point type of all parameters and activations.
const DType = dtypes.Float32

// portable reports whether x's graph runs on the pure-Go backend, which needs
// the portable formulations.
func portable(x *Node) bool {
	return x.Graph().Backend().String() == gobackend.BackendName
}

// uniformVar creates (or reuses) the variable name in scope, initialised
// uniform in ±bound, as PyTorch initialises conv and linear layers.
func uniformVar(scope *model.Scope, name string, bound float64, dims ...int) *model.Variable {
	return scope.WithInitializer(initializer.RandomUniformFn(scope, -bound, bound)).
		VariableWithShape(name, shapes.Make(DType, dims...))
}

// Init chooses how a layer's weights start.
type Init int

const (
	// PyTorchInit is PyTorch's default: weights and biases uniform in
	// ±1/sqrt(fan_in), the lesson's initialisation.
	PyTorchInit Init = iota
	// HeInit is He et al. (2015)'s initialisation for layers followed by
	// ReLU: weights normal with standard deviation sqrt(2/fan_in), biases zero.
	HeInit
)

// String names the initialisation: "pytorch" or "he".
func (i Init) String() string {
	switch i {
	case PyTorchInit:
		return "pytorch"
	case HeInit:
		return "he"
	}
	return fmt.Sprintf("Init(%d)", int(i))
}

// HeStd is the standard deviation of HeInit's weights for fanIn inputs per
// output: sqrt(2/fanIn).
func HeStd(fanIn int) float64 { return math.Sqrt(2 / float64(fanIn)) }

// Conv2D is PyTorch's nn.Conv2d(inC, outC, kernel_size=k, padding=pad) at
// stride 1, channels-last: x is [batch, H, W, inC], the result
// [batch, H+2·pad-k+1, W+2·pad-k+1, outC]. It creates the variables "weight"
// [outC, inC, k, k] (PyTorch's layout) and "bias" [outC] in scope, with
// PyTorch's default initialisation.
func Conv2D(scope *model.Scope, x *Node, outC, k, pad int) *Node {
	return Conv2DInit(scope, x, outC, k, pad, PyTorchInit)
}

// Conv2DInit is Conv2D with the weights initialised as init says.
func Conv2DInit(scope *model.Scope, x *Node, outC, k, pad int, init Init) *Node {
	x.AssertRank(4)
	g := x.Graph()
	batch, h, w, inC := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	outH, outW := cost.ConvOutSize(h, k, 1, pad), cost.ConvOutSize(w, k, 1, pad)
	if outH <= 0 || outW <= 0 {
		hint := ""
		if h == 1 || w == 1 {
			hint = " (is x channels-first? the layers take [batch, H, W, C]: convert the images with nn.ToChannelsLast first)"
		}
		exceptions.Panicf("Conv2D %s: kernel %d with padding %d does not fit input %dx%d%s", scope.Scope(), k, pad, h, w, hint)
	}
	var weight, bias *Node
	switch init {
	case PyTorchInit:
		bound := 1 / math.Sqrt(float64(inC*k*k))
		weight = uniformVar(scope, "weight", bound, outC, inC, k, k).ValueGraph(g)
		bias = uniformVar(scope, "bias", bound, outC).ValueGraph(g)
	case HeInit:
		weight = scope.WithInitializer(initializer.RandomNormalFn(scope, HeStd(inC*k*k))).
			VariableWithShape("weight", shapes.Make(DType, outC, inC, k, k)).ValueGraph(g)
		bias = scope.WithInitializer(initializer.Zero).
			VariableWithShape("bias", shapes.Make(DType, outC)).ValueGraph(g)
	default:
		exceptions.Panicf("Conv2D %s: unknown initialisation %v", scope.Scope(), init)
	}

	var y *Node
	if portable(x) {
		y = convIm2col(x, weight, k, pad, outH, outW)
	} else {
		// Channels-last input and output; the kernel stays in PyTorch's
		// [out, in, kh, kw], which XLA reads through the axes configuration.
		y = Convolve(x, weight).AxesConfig(ConvolveAxesConfig{
			InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
			KernelOutputChannels: 0, KernelInputChannels: 1, KernelSpatial: []int{2, 3},
			OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
		}).PaddingPerDim([][2]int{{pad, pad}, {pad, pad}}).Done()
	}
	y = Add(y, Reshape(bias, 1, 1, 1, outC))
	y.AssertDims(batch, outH, outW, outC)
	cost.Record(g, cost.Layer{
		Name: scope.Scope(), Kind: fmt.Sprintf("conv %dx%d", k, k), OutShape: []int{outC, outH, outW},
		Params: cost.ConvParams(inC, outC, k), Mults: cost.ConvMults(inC, outC, k, outH, outW),
	})
	return y
}

// convIm2col computes the convolution as one matrix product: the k·k shifted
// views of the zero-padded input x [batch, H, W, inC] are stacked into patches
// [batch·outH·outW, inC·k·k], in the same (channel, row, column) order as the
// flattened kernel.
func convIm2col(x, weight *Node, k, pad, outH, outW int) *Node {
	batch, inC := x.Shape().Dim(0), x.Shape().Dim(3)
	outC := weight.Shape().Dim(0)
	x = ZeroPad(x, pad)
	views := make([]*Node, 0, k*k)
	for i := range k {
		for j := range k {
			views = append(views, Slice(x, AxisRange(), AxisRange(i, i+outH), AxisRange(j, j+outW), AxisRange()))
		}
	}
	patches := x
	if k > 1 {
		patches = Stack(views, 4) // [batch, outH, outW, inC, k·k]
	}
	patches = Reshape(patches, batch*outH*outW, inC*k*k)
	kernel := Reshape(weight, outC, inC*k*k)
	y := Einsum("pk,ok->po", patches, kernel)
	return Reshape(y, batch, outH, outW, outC)
}

// ZeroPad pads the two spatial axes of x [batch, H, W, C] with pad zeros on
// each side, by concatenation, which has a gradient on every backend.
func ZeroPad(x *Node, pad int) *Node {
	if pad == 0 {
		return x
	}
	g := x.Graph()
	dims := x.Shape().Dimensions
	rows := Zeros(g, shapes.Make(x.DType(), dims[0], pad, dims[2], dims[3]))
	x = Concatenate([]*Node{rows, x, rows}, 1)
	cols := Zeros(g, shapes.Make(x.DType(), dims[0], dims[1]+2*pad, pad, dims[3]))
	return Concatenate([]*Node{cols, x, cols}, 2)
}

// MaxPool2 is PyTorch's nn.MaxPool2d(2), channels-last: the maximum of each
// 2x2 block of x [batch, H, W, C] with even H and W, giving [batch, H/2, W/2, C].
//
// It gathers each 2x2 window on a last axis, in PyTorch's scan order, and
// keeps its first maximum through a one-hot mask: the gradient then flows to
// that one element, as with PyTorch's max pool, even where the window ties
// (MNIST's flat background ties a lot); ReduceMax alone would send it to
// every tied element. The same formulation serves every backend: GoMLX's
// pure-Go backend has no max-pool gradient, and on XLA's CPU it is faster
// than the native one, whose gradient XLA turns into a scatter.
func MaxPool2(scope *model.Scope, x *Node) *Node {
	x.AssertRank(4)
	b, h, w, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	if h%2 != 0 || w%2 != 0 {
		exceptions.Panicf("MaxPool2 %s: needs even height and width, got %dx%d", scope.Scope(), h, w)
	}
	windows := Reshape(x, b, h/2, 2, w/2, 2, c)
	windows = Reshape(TransposeAllAxes(windows, 0, 1, 3, 5, 2, 4), b, h/2, w/2, c, 4)
	first := StopGradient(OneHot(ArgMax(windows, -1), 4, windows.DType()))
	y := ReduceSum(Mul(windows, first), -1)
	y.AssertDims(b, h/2, w/2, c)
	cost.Record(x.Graph(), cost.Layer{Name: scope.Scope(), Kind: "max pool 2", OutShape: []int{c, h / 2, w / 2}})
	return y
}

// AvgPool3 is PyTorch's F.avg_pool2d(x, kernel_size=3, stride=1, padding=1),
// channels-last: each output is the sum of its 3x3 neighbourhood divided by 9,
// the zero padding included (count_include_pad=True), so the shape
// [batch, H, W, C] is unchanged.
func AvgPool3(scope *model.Scope, x *Node) *Node {
	x.AssertRank(4)
	b, h, w, c := x.Shape().Dim(0), x.Shape().Dim(1), x.Shape().Dim(2), x.Shape().Dim(3)
	var sum *Node
	if portable(x) {
		padded := ZeroPad(x, 1)
		for i := range 3 {
			for j := range 3 {
				v := Slice(padded, AxisRange(), AxisRange(i, i+h), AxisRange(j, j+w), AxisRange())
				if sum == nil {
					sum = v
				} else {
					sum = Add(sum, v)
				}
			}
		}
	} else {
		sum = SumPool(x).ChannelsAxis(timages.ChannelsLast).Window(3).Strides(1).
			PaddingPerDim([][2]int{{1, 1}, {1, 1}}).Done()
	}
	y := DivScalar(sum, 9)
	y.AssertDims(b, h, w, c)
	cost.Record(x.Graph(), cost.Layer{Name: scope.Scope(), Kind: "avg pool 3", OutShape: []int{c, h, w},
		Mults: cost.AvgPoolMults(c, h, w)})
	return y
}

// Linear is PyTorch's nn.Linear(in, out): x [batch, in] times weight [out, in]
// transposed, plus bias [out].
func Linear(scope *model.Scope, x *Node, out int) *Node {
	x.AssertRank(2)
	g := x.Graph()
	batch, in := x.Shape().Dim(0), x.Shape().Dim(1)
	bound := 1 / math.Sqrt(float64(in))
	weight := uniformVar(scope, "weight", bound, out, in).ValueGraph(g)
	bias := uniformVar(scope, "bias", bound, out).ValueGraph(g)
	y := Add(Einsum("bi,oi->bo", x, weight), Reshape(bias, 1, out))
	y.AssertDims(batch, out)
	cost.Record(g, cost.Layer{Name: scope.Scope(), Kind: "linear", OutShape: []int{out},
		Params: cost.DenseParams(in, out), Mults: cost.DenseMults(in, out)})
	return y
}

// ToChannelsLast turns PyTorch's channels-first x [batch, C, H, W] into the
// layers' channels-last [batch, H, W, C]. For one channel, MNIST's, it is only
// a reshape.
func ToChannelsLast(x *Node) *Node {
	x.AssertRank(4)
	return TransposeAllAxes(x, 0, 2, 3, 1)
}

// ToChannelsFirst turns channels-last x [batch, H, W, C] back into PyTorch's
// channels-first [batch, C, H, W].
func ToChannelsFirst(x *Node) *Node {
	x.AssertRank(4)
	return TransposeAllAxes(x, 0, 3, 1, 2)
}

// Flatten is PyTorch's x.view(batch, -1) on its channels-first tensor: given
// the layers' channels-last x [batch, H, W, C], it flattens in PyTorch's
// (channel, row, column) order, so that a Linear layer after it has PyTorch's
// weights.
func Flatten(x *Node) *Node {
	x.AssertRank(4)
	return Reshape(ToChannelsFirst(x), x.Shape().Dim(0), -1)
}
