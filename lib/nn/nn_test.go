package nn_test

import (
	"math"
	"slices"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

// pattern returns n deterministic values in [-1, 1].
func pattern(n int, phase float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.Sin(float64(i)*0.37 + phase))
	}
	return v
}

// storeOf returns a store holding the variables vars, by path.
func storeOf(t *testing.T, vars map[string]*tensors.Tensor) *model.Store {
	t.Helper()
	store := model.NewStore()
	for path, value := range vars {
		if _, err := store.CreateVariable(path, value); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

// crossBackendGraph runs conv 3x3 (pad 1) -> max pool 2 -> avg pool 3 (pad 1)
// on a fixed channels-first input with fixed weights and returns the
// channels-first output, the loss sum(out²) and its gradients with respect to
// the input and the conv weight. The layers compute channels-last in between.
func crossBackendGraph(t *testing.T, b compute.Backend) map[string][]float32 {
	t.Helper()
	store := storeOf(t, map[string]*tensors.Tensor{
		"/conv/weight": tensors.FromFlatDataAndDimensions(pattern(4*3*3*3, 1), 4, 3, 3, 3),
		"/conv/bias":   tensors.FromFlatDataAndDimensions(pattern(4, 2), 4),
	})
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *Node) []*Node {
		y := nn.Conv2D(scope.In("conv"), nn.ToChannelsLast(x), 4, 3, 1)
		y = nn.MaxPool2(scope.In("max"), y)
		y = nn.AvgPool3(scope.In("avg"), y)
		y = nn.ToChannelsFirst(y)
		loss := ReduceAllSum(Square(y))
		weight := store.GetVariable("/conv/weight").ValueGraph(x.Graph())
		grads := Gradient(loss, x, weight)
		return []*Node{y, loss, grads[0], grads[1]}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The second image is flat, like MNIST's background: its max-pool windows
	// tie, and the gradient must reach only the first maximum of each, as in PyTorch.
	x := pattern(2*3*8*8, 0)
	for i := 3 * 8 * 8; i < len(x); i++ {
		x[i] = 0.5
	}
	out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, 2, 3, 8, 8))
	if err != nil {
		t.Fatal(err)
	}
	res := map[string][]float32{}
	for i, name := range []string{"output", "loss", "grad_input", "grad_weight"} {
		res[name] = tensors.MustCopyFlatData[float32](out[i])
	}
	return res
}

// TestCrossBackend checks that the layers give the same numbers, and the same
// gradients, on every backend: native XLA operations on one side, the
// portable formulations of the pure-Go backend on the other.
func TestCrossBackend(t *testing.T) {
	const tolerance = 1e-5 // relative to the largest magnitude of each tensor
	configs := backendtest.Configs(t)
	results := map[string]map[string][]float32{}
	for _, c := range configs {
		results[c] = crossBackendGraph(t, backendtest.Get(t, c))
	}
	ref := results[configs[0]]
	if len(ref["output"]) != 2*4*4*4 || len(ref["grad_input"]) != 2*3*8*8 || len(ref["grad_weight"]) != 4*3*3*3 {
		t.Fatalf("unexpected sizes: output %d, grad_input %d, grad_weight %d",
			len(ref["output"]), len(ref["grad_input"]), len(ref["grad_weight"]))
	}
	for _, c := range configs[1:] {
		for name, want := range ref {
			got := results[c][name]
			scale, maxDiff := 0.0, 0.0
			for i := range want {
				scale = max(scale, math.Abs(float64(want[i])))
				maxDiff = max(maxDiff, math.Abs(float64(got[i]-want[i])))
			}
			if maxDiff > tolerance*max(scale, 1) {
				t.Errorf("%s vs %s, %s: max abs difference %.3g (scale %.3g)", c, configs[0], name, maxDiff, scale)
			} else {
				t.Logf("%s vs %s, %s: max abs difference %.3g (scale %.3g)", c, configs[0], name, maxDiff, scale)
			}
		}
	}
}

// TestLayersByHand checks each layer against values computed by hand, on
// every backend. Inputs and outputs are channels-first, as written here; the
// layers see them channels-last.
func TestLayersByHand(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		// A 1x1 convolution from 2 channels to 1: out = 2·c0 − c1 + 0.5.
		store := storeOf(t, map[string]*tensors.Tensor{
			"/c/weight": tensors.FromFlatDataAndDimensions([]float32{2, -1}, 1, 2, 1, 1),
			"/c/bias":   tensors.FromFlatDataAndDimensions([]float32{0.5}, 1),
		})
		exec, err := model.NewExec(b, store, func(scope *model.Scope, x, ones *Node) []*Node {
			x, ones = nn.ToChannelsLast(x), nn.ToChannelsLast(ones)
			return []*Node{
				nn.ToChannelsFirst(nn.Conv2D(scope.In("c"), x, 1, 1, 0)),
				nn.ToChannelsFirst(nn.MaxPool2(scope.In("m"), x)),
				nn.ToChannelsFirst(nn.AvgPool3(scope.In("a"), ones)),
				nn.Flatten(x),
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		// x: channel 0 is 0..15 on a 4x4 grid, channel 1 is all 1.
		x := make([]float32, 32)
		for i := range 16 {
			x[i], x[16+i] = float32(i), 1
		}
		ones := make([]float32, 9)
		for i := range ones {
			ones[i] = 1
		}
		out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, 1, 2, 4, 4), tensors.FromFlatDataAndDimensions(ones, 1, 1, 3, 3))
		if err != nil {
			t.Fatal(err)
		}
		conv := tensors.MustCopyFlatData[float32](out[0])
		for i := range 16 {
			if want := 2*float32(i) - 1 + 0.5; conv[i] != want {
				t.Errorf("conv 1x1 at %d = %v, want %v", i, conv[i], want)
			}
		}
		wantMax := []float32{5, 7, 13, 15, 1, 1, 1, 1}
		if got := tensors.MustCopyFlatData[float32](out[1]); !equal(got, wantMax, 0) {
			t.Errorf("max pool = %v, want %v", got, wantMax)
		}
		// Average pool of ones with zero padding counted: corners see 4 cells, edges 6, the centre 9.
		wantAvg := []float32{4. / 9, 6. / 9, 4. / 9, 6. / 9, 1, 6. / 9, 4. / 9, 6. / 9, 4. / 9}
		if got := tensors.MustCopyFlatData[float32](out[2]); !equal(got, wantAvg, 1e-6) {
			t.Errorf("avg pool = %v, want %v", got, wantAvg)
		}
		// Flatten of the channels-last tensor is PyTorch's x.view(1, -1) of the
		// channels-first one: the input's values in their original order.
		if got := tensors.MustCopyFlatData[float32](out[3]); !equal(got, x, 0) || !slices.Equal(out[3].Shape().Dimensions, []int{1, 32}) {
			t.Errorf("flatten = %v %v, want [1 32] %v", out[3].Shape().Dimensions, got, x)
		}
	})
}

func equal(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol {
			return false
		}
	}
	return true
}
