package exercises

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

// BreakEven checks exercise 01.3. The student writes
//
//	func breakEven(in, out, k int) float64
//
// returning the bottleneck width w at which a 1x1 convolution from in to w
// channels followed by a k×k convolution from w to out channels costs as many
// multiplications as one k×k convolution from in to out (per output pixel,
// stride 1, same padding). It is checked on the lesson's example and on other
// layer sizes, so a number that fits only the lesson's is found out.
func BreakEven(fn func(in, out, k int) float64) Result {
	r := Result{ID: "01.3", Hint: "per output pixel the plain path costs k·k·in·out multiplications and the bottleneck path " +
		"in·w for its 1x1 plus k·k·w·out for its k×k; set the two equal and solve for w."}
	if fn == nil {
		r.Message = "no function given."
		return r
	}
	cases := [][3]int{{exampleIn, exampleOut, exampleK}, {256, 64, 3}, {64, 128, 5}, {10, 24, 5}, {480, 48, 5}}
	for _, c := range cases {
		in, out, k := c[0], c[1], c[2]
		got, err := callSafely(func() float64 { return fn(in, out, k) })
		if err != nil {
			r.Message = fmt.Sprintf("breakEven(%d, %d, %d) stopped: %v.", in, out, k, err)
			return r
		}
		plain := float64(k * k * in * out)
		if math.IsNaN(got) || got <= 0 || math.Abs(bottleneckMults(in, out, k, got)-plain) > 1e-6*plain {
			r.Message = fmt.Sprintf("breakEven(%d, %d, %d) = %.4g, and at that width the bottleneck path costs %.4g multiplications per pixel against the plain path's %.4g.",
				in, out, k, got, bottleneckMults(in, out, k, got), plain)
			return r
		}
	}
	w, _ := callSafely(func() float64 { return fn(exampleIn, exampleOut, exampleK) })
	r.OK, r.Hint = true, ""
	r.Message = fmt.Sprintf("right for all %d layer sizes tried. For the lesson's example the bottleneck stops paying at %.1f channels: "+
		"below that width it costs fewer multiplications than the plain 5x5.", len(cases), w)
	return r
}

// OneByOneAsMatMul checks exercise 01.4. The student writes
//
//	func oneByOne(x, weight *graph.Node) *graph.Node
//
// computing a 1x1 convolution without a convolution: x is channels-last
// [batch, H, W, in], weight is [out, in] (PyTorch's [out, in, 1, 1] without
// its two 1s), the result [batch, H, W, out]: at every pixel, the weight
// matrix times the pixel's vector of channels. It is compared with XLA's or
// the Go backend's convolution of the same x and weight.
func OneByOneAsMatMul(backend compute.Backend, fn func(x, weight *Node) *Node) (Result, error) {
	r := Result{ID: "01.4", Hint: "at each pixel, output channel o is the sum over the input channels c of weight[o][c]·x[c]: " +
		"graph.Einsum can say that in one line (which axes are summed, which kept?), or reshape x to [pixels, in] and use a matrix product."}
	if fn == nil {
		r.Message = "no function given."
		return r, nil
	}
	const batch, h, w, in, out = 2, 5, 4, 6, 3
	x := randomTensor(1, batch, h, w, in)
	weight := randomTensor(2, out, in)
	mine, err := runGraph(backend, fn, x, weight)
	if err != nil {
		r.Message = fmt.Sprintf("your function stopped: %v.", err)
		return r, nil
	}
	ref, err := runGraph(backend, func(x, weight *Node) *Node {
		kernel := Reshape(weight, out, in, 1, 1)
		return Convolve(x, kernel).AxesConfig(ConvolveAxesConfig{
			InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
			KernelOutputChannels: 0, KernelInputChannels: 1, KernelSpatial: []int{2, 3},
			OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
		}).NoPadding().Done()
	}, x, weight)
	if err != nil {
		return r, fmt.Errorf("exercise 01.4's reference: %w", err)
	}
	return compareOutputs(r, mine, ref, "a 1x1 convolution"), nil
}

// InceptionBranch checks exercise 02.4. The student writes
//
//	func myBranch(scope *model.Scope, x *graph.Node) *graph.Node
//
// a fifth branch for InceptionA: a 1x1 convolution to 8 channels, ReLU, a 3x3
// convolution to 16 channels that keeps the size (padding 1), ReLU, with
// nn.Conv2D. It is run on [2, 12, 12, 10], the first block's input.
func InceptionBranch(backend compute.Backend, fn func(scope *model.Scope, x *Node) *Node) (Result, error) {
	r := Result{ID: "02.4", Hint: "two nn.Conv2D calls, each in its own scope.In(\"name\"), each followed by activation.Relu; " +
		"nn.Conv2D(scope, x, outChannels, kernel, padding)."}
	return checkModule(backend, r, fn, func(scope *model.Scope, x *Node) *Node {
		y := activation.Relu(nn.Conv2D(scope.In("reduce"), x, 8, 1, 0))
		return activation.Relu(nn.Conv2D(scope.In("conv"), y, 16, 3, 1))
	}, []int{2, 12, 12, 10})
}

// ProjectionShortcut checks exercise 03.1. The student writes
//
//	func projectionBlock(scope *model.Scope, x *graph.Node, outChannels int) *graph.Node
//
// the lesson's residual block made to change the channel count: y =
// relu(conv3x3(x)) to outChannels, y = conv3x3(y), the skip path a 1x1
// convolution of x to outChannels, and out = relu(skip + y). It is run on
// [2, 12, 12, 16] to 32 channels, as the residual net's first block would be
// if it fed conv2's 32 channels directly.
func ProjectionShortcut(backend compute.Backend, fn func(scope *model.Scope, x *Node, outChannels int) *Node) (Result, error) {
	r := Result{ID: "03.1", Hint: "x + y needs the same shape on both sides: a 1x1 nn.Conv2D of x to outChannels (no padding) makes the skip path fit; " +
		"the two 3x3 convolutions have padding 1, and ReLU comes after the addition, as in the lesson's block."}
	if fn == nil {
		r.Message = "no function given."
		return r, nil
	}
	const outC = 32
	return checkModule(backend, r, func(scope *model.Scope, x *Node) *Node { return fn(scope, x, outC) },
		func(scope *model.Scope, x *Node) *Node {
			y := activation.Relu(nn.Conv2D(scope.In("conv1"), x, outC, 3, 1))
			y = nn.Conv2D(scope.In("conv2"), y, outC, 3, 1)
			skip := nn.Conv2D(scope.In("shortcut"), x, outC, 1, 0)
			return activation.Relu(Add(skip, y))
		}, []int{2, 12, 12, 16})
}

// PreActivation checks exercise 04.3. The student writes
//
//	func preActBlock(scope *model.Scope, x *graph.Node) *graph.Node
//
// the pre-activation residual block: y = conv1(relu(x)), y = conv2(relu(y)),
// out = x + y, both convolutions 3x3 keeping the channels and the size. It
// is compared with models.PreActBlock on [2, 14, 14, 8], the deep nets' maps.
func PreActivation(backend compute.Backend, fn func(scope *model.Scope, x *Node) *Node) (Result, error) {
	r := Result{ID: "04.3", Hint: "ReLU goes in front of each convolution, and nothing comes after the addition: " +
		"the skip path carries x to the output unchanged."}
	return checkModule(backend, r, fn, models.PreActBlock, []int{2, 14, 14, models.DeepChannels})
}

// checkModule runs the student's layer function and the reference on the same
// input, with the same weights, and compares output shape, trainable
// parameters and values. The weights are set from their shapes alone (see
// shapeValues), so the student may name the layers as they like.
func checkModule(backend compute.Backend, r Result, mine, ref func(*model.Scope, *Node) *Node, in []int) (Result, error) {
	if mine == nil {
		r.Message = "no function given."
		return r, nil
	}
	x := randomTensor(3, in...)
	want, wantParams, err := runModule(backend, ref, x)
	if err != nil {
		return r, fmt.Errorf("exercise %s's reference: %w", r.ID, err)
	}
	got, gotParams, err := runModule(backend, mine, x)
	if err != nil {
		r.Message = fmt.Sprintf("your function stopped: %v.", err)
		return r, nil
	}
	if !slices.Equal(got.Shape().Dimensions, want.Shape().Dimensions) {
		r.Message = fmt.Sprintf("on an input of shape %v (channels-last) it gives %v, not the %v it should.",
			in, got.Shape().Dimensions, want.Shape().Dimensions)
		return r, nil
	}
	if gotParams != wantParams {
		r.Message = fmt.Sprintf("the right output shape, %v, but %s trainable parameters instead of %s.",
			got.Shape().Dimensions, cost.Thousands(int64(gotParams)), cost.Thousands(int64(wantParams)))
		return r, nil
	}
	r = compareOutputs(r, got, want, "the reference")
	if r.OK {
		r.Message = fmt.Sprintf("output shape %v, %s trainable parameters, and the same values as the reference on a test input.",
			got.Shape().Dimensions, cost.Thousands(int64(gotParams)))
	}
	return r, nil
}

// compareOutputs compares two outputs' shapes and values.
func compareOutputs(r Result, got, want *tensors.Tensor, what string) Result {
	if !slices.Equal(got.Shape().Dimensions, want.Shape().Dimensions) {
		r.Message = fmt.Sprintf("it gives shape %v, not %v.", got.Shape().Dimensions, want.Shape().Dimensions)
		return r
	}
	g, err := tensors.CopyFlatData[float32](got)
	if err != nil {
		r.Message = fmt.Sprintf("it gives %s values, not float32.", got.DType())
		return r
	}
	w := tensors.MustCopyFlatData[float32](want)
	worst, scale := 0.0, 0.0
	for i := range w {
		worst = max(worst, math.Abs(float64(g[i]-w[i])))
		scale = max(scale, math.Abs(float64(w[i])))
	}
	if math.IsNaN(worst) || worst > 1e-4*max(1, scale) {
		r.Message = fmt.Sprintf("the right shape %v, but the values differ from %s's by up to %.3g.", got.Shape().Dimensions, what, worst)
		return r
	}
	r.OK, r.Hint = true, ""
	r.Message = fmt.Sprintf("shape %v and the same values as %s (largest difference %.1g).", got.Shape().Dimensions, what, worst)
	return r
}

// runModule builds fn with models.Forward, sets every trainable variable
// from its shape, and runs it on x. It returns the output and the number of
// trainable parameters; a panic while building or running is returned as an
// error.
func runModule(backend compute.Backend, fn func(*model.Scope, *Node) *Node, x *tensors.Tensor) (out *tensors.Tensor, params int, err error) {
	_, out, err = models.Forward(backend, fn, x, func(store *model.Store) error {
		for v := range store.IterVariables() {
			if !v.Trainable {
				continue
			}
			params += v.Shape().Size()
			if err := v.SetValue(shapeValues(v.Shape())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, params, nil
}

// runGraph runs fn on the two inputs; a panic is returned as an error.
func runGraph(backend compute.Backend, fn func(a, b *Node) *Node, a, b *tensors.Tensor) (out *tensors.Tensor, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	exec, err := NewExec(backend, fn)
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	outs, err := exec.Exec(a, b)
	if err != nil {
		return nil, err
	}
	if len(outs) != 1 {
		return nil, errors.New("the function must return one node")
	}
	return outs[0], nil
}

// shapeValues are a variable's checking values, chosen from its shape alone:
// uniform in ±1/sqrt(fan_in), from a generator seeded with the shape. Two
// variables of the same shape get the same values, so a layer function is
// checked whatever it names its layers, and whatever order it creates them in.
func shapeValues(s shapes.Shape) *tensors.Tensor {
	h := fnv.New64a()
	for _, d := range s.Dimensions {
		fmt.Fprintf(h, "%d,", d)
	}
	rng := rand.New(rand.NewPCG(h.Sum64(), 17))
	fanIn := 1
	for _, d := range s.Dimensions[min(1, len(s.Dimensions)):] {
		fanIn *= d
	}
	bound := 1 / math.Sqrt(float64(fanIn))
	data := make([]float32, s.Size())
	for i := range data {
		data[i] = float32((2*rng.Float64() - 1) * bound)
	}
	return tensors.FromFlatDataAndDimensions(data, s.Dimensions...)
}

// randomTensor is a float32 tensor of the given dimensions, standard normal
// values from seed.
func randomTensor(seed uint64, dims ...int) *tensors.Tensor {
	rng := rand.New(rand.NewPCG(seed, 29))
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// callSafely calls f, turning a panic into an error.
func callSafely(f func() float64) (v float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return f(), nil
}
