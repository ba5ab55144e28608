package models_test

// PyTorch parity: the lesson's two nets, given PyTorch's own initial weights,
// must compute PyTorch's logits and loss on a batch of MNIST digits, and one
// step of our SGD-momentum must move every weight where torch.optim.SGD moved
// it. The fixtures in testdata/pytorch were written by gen_fixtures.py there
// (run by hand with PyTorch; see its README.md).

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist/mnisttest"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/models/modelstest"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// Tolerances, in absolute value, against PyTorch's float32 results.
const (
	logitsTol = 1e-4 // logits of the forward pass
	lossTol   = 1e-5 // the batch's mean cross-entropy
	weightTol = 1e-5 // every weight after one SGD step

	// stepRelTol bounds, per tensor, how far our step (updated − initial)
	// may be from PyTorch's, relative to the largest element of PyTorch's
	// step, but never below stepAbsTol. One step moves some weights by
	// little more than weightTol, so weightTol alone could not tell a wrong
	// step (none, a wrong sign, a wrong learning rate) from a right one.
	// stepAbsTol is a few float32 roundings of a weight below 0.5 (ulp
	// 3e-8), which the difference of two rounded weights may carry.
	stepRelTol = 1e-3
	stepAbsTol = 1e-7

	fixtureDir = "testdata/pytorch"
)

// fixtureIndex is the JSON index gen_fixtures.py writes beside each .bin.
type fixtureIndex struct {
	Model        string  `json:"model"`
	TorchVersion string  `json:"torch_version"`
	Batch        int     `json:"batch"`
	LearningRate float64 `json:"learning_rate"`
	Momentum     float64 `json:"momentum"`
	Loss         float64 `json:"loss"`
	Params       int     `json:"params"`
	Bin          string  `json:"bin"`
	BinBytes     int     `json:"bin_bytes"`
	BinSHA256    string  `json:"bin_sha256"`
	Tensors      []struct {
		Name   string `json:"name"`
		DType  string `json:"dtype"`
		Shape  []int  `json:"shape"`
		Offset int    `json:"offset"`
		Bytes  int    `json:"bytes"`
	} `json:"tensors"`
}

// array is one tensor of a fixture: Floats for float32, Ints for int32.
type array struct {
	Shape  []int
	Floats []float32
	Ints   []int32
}

// fixture is one net's parity data.
type fixture struct {
	fixtureIndex
	arrays map[string]array
	// params lists the state_dict keys ("incep1.branch5x5_2.weight") in order.
	params []string
}

// loadFixture reads testdata/pytorch/<name>.json and its .bin.
func loadFixture(t *testing.T, name string) *fixture {
	t.Helper()
	jsonPath := filepath.Join(fixtureDir, name+".json")
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatalf("reading the PyTorch fixture: %v (regenerate it with %s/gen_fixtures.py)", err, fixtureDir)
	}
	fx := &fixture{arrays: map[string]array{}}
	if err := json.Unmarshal(raw, &fx.fixtureIndex); err != nil {
		t.Fatalf("%s: %v", jsonPath, err)
	}
	binPath := filepath.Join(fixtureDir, fx.Bin)
	blob, err := os.ReadFile(binPath)
	if err != nil {
		t.Fatalf("reading the PyTorch fixture: %v", err)
	}
	sum := sha256.Sum256(blob)
	if len(blob) != fx.BinBytes || hex.EncodeToString(sum[:]) != fx.BinSHA256 {
		t.Fatalf("%s: %d bytes with SHA-256 %x, but %s says %d bytes with SHA-256 %s: regenerate both together",
			binPath, len(blob), sum, jsonPath, fx.BinBytes, fx.BinSHA256)
	}
	for _, ti := range fx.Tensors {
		size := 1
		for _, d := range ti.Shape {
			size *= d
		}
		if ti.Bytes != 4*size || ti.Offset < 0 || ti.Offset+ti.Bytes > len(blob) {
			t.Fatalf("%s: tensor %q: shape %v, %d bytes at offset %d of %d", jsonPath, ti.Name, ti.Shape, ti.Bytes, ti.Offset, len(blob))
		}
		data := blob[ti.Offset : ti.Offset+ti.Bytes]
		a := array{Shape: ti.Shape}
		switch ti.DType {
		case "float32":
			a.Floats = make([]float32, size)
			for i := range a.Floats {
				a.Floats[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			}
		case "int32":
			a.Ints = make([]int32, size)
			for i := range a.Ints {
				a.Ints[i] = int32(binary.LittleEndian.Uint32(data[4*i:]))
			}
		default:
			t.Fatalf("%s: tensor %q has dtype %q", jsonPath, ti.Name, ti.DType)
		}
		fx.arrays[ti.Name] = a
		if key, ok := strings.CutPrefix(ti.Name, "initial/"); ok {
			fx.params = append(fx.params, key)
		}
	}
	// Everything the tests below read must be there.
	need := []string{"input", "labels", "logits", "loss"}
	for _, key := range fx.params {
		need = append(need, "updated/"+key)
	}
	for _, n := range need {
		if _, ok := fx.arrays[n]; !ok {
			t.Fatalf("%s has no tensor %q", jsonPath, n)
		}
	}
	return fx
}

// float returns the fixture's float32 tensor name.
func (fx *fixture) float(t *testing.T, name string) array {
	t.Helper()
	a := fx.arrays[name]
	if a.Floats == nil {
		t.Fatalf("fixture %s: %q is not a float32 tensor", fx.Model, name)
	}
	return a
}

// varPath turns a PyTorch state_dict key into the GoMLX variable path:
// "incep1.branch5x5_2.weight" is "/incep1/branch5x5_2/weight".
func varPath(key string) string {
	return "/" + strings.ReplaceAll(key, ".", "/")
}

// newStore returns a store holding PyTorch's initial weights.
func newStore(t *testing.T, fx *fixture) *model.Store {
	t.Helper()
	// Seeded, so that a variable the model creates itself (a name that does
	// not match PyTorch's) is at least reproducible; checkVariables reports it.
	store := modelstest.Store(t)
	for _, key := range fx.params {
		a := fx.float(t, "initial/"+key)
		value := tensors.FromFlatDataAndDimensions(slices.Clone(a.Floats), a.Shape...)
		if _, err := store.CreateVariable(varPath(key), value); err != nil {
			t.Fatalf("creating %s: %v", varPath(key), err)
		}
	}
	return store
}

// checkVariables fails t unless the store's trainable variables are exactly
// the fixture's parameters, so that the model read PyTorch's weights rather
// than initialising some of its own.
func checkVariables(t *testing.T, fx *fixture, store *model.Store) {
	t.Helper()
	want := map[string]bool{}
	for _, key := range fx.params {
		want[varPath(key)] = true
	}
	var extra []string
	n := 0
	for v := range store.IterVariables() {
		if !v.Trainable {
			continue
		}
		n += v.Shape().Size()
		if !want[v.Path()] {
			extra = append(extra, v.Path())
		}
	}
	if len(extra) > 0 {
		t.Errorf("the model created trainable variables PyTorch's state_dict does not have: %q", extra)
	}
	if n != fx.Params {
		t.Errorf("%d trainable parameters in the store, PyTorch's net has %d", n, fx.Params)
	}
}

// diff compares got with want elementwise and returns the largest absolute
// difference and its index.
func diff(got, want []float32) (maxDiff float64, at int) {
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if d > maxDiff || math.IsNaN(d) {
			maxDiff, at = d, i
			if math.IsNaN(d) {
				return math.Inf(1), i
			}
		}
	}
	return maxDiff, at
}

// unravel turns a flat index into a multi-index of shape, e.g. [3 0 2 1].
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k] = i % shape[k]
		i /= shape[k]
	}
	return idx
}

// expectClose fails t when some element of got is more than tol from want,
// naming the tensor, the first element beyond tol, the largest difference and
// how many elements are beyond tol. It returns the largest difference.
func expectClose(t *testing.T, name string, got []float32, want array, tol float64) float64 {
	t.Helper()
	if len(got) != len(want.Floats) {
		t.Errorf("%s: %d values, want %d (shape %v)", name, len(got), len(want.Floats), want.Shape)
		return math.Inf(1)
	}
	maxDiff, at := diff(got, want.Floats)
	if maxDiff <= tol {
		return maxDiff
	}
	bad, first := 0, -1
	for i := range got {
		if !(math.Abs(float64(got[i])-float64(want.Floats[i])) <= tol) {
			bad++
			if first < 0 {
				first = i
			}
		}
	}
	t.Errorf("%s: %d of %d values differ from PyTorch's by more than %g; first at %v: got %.9g, want %.9g; "+
		"max abs diff %.3g at %v (got %.9g, want %.9g)",
		name, bad, len(got), tol, unravel(first, want.Shape), got[first], want.Floats[first],
		maxDiff, unravel(at, want.Shape), got[at], want.Floats[at])
	return maxDiff
}

// floats copies a float32 tensor's values.
func floats(t *testing.T, name string, v *tensors.Tensor) []float32 {
	t.Helper()
	data, err := tensors.CopyFlatData[float32](v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return data
}

// batch returns the fixture's input images and labels as fresh tensors
// ([B,1,28,28] float32 and [B,1] int32, as lib/training feeds the trainer).
func (fx *fixture) batch(t *testing.T) (images, labels *tensors.Tensor) {
	t.Helper()
	in := fx.float(t, "input")
	lbl := fx.arrays["labels"]
	if !slices.Equal(in.Shape, []int{fx.Batch, 1, 28, 28}) || !slices.Equal(lbl.Shape, []int{fx.Batch}) || lbl.Ints == nil {
		t.Fatalf("fixture %s: input %v and labels %v (int32: %t), want [%d 1 28 28] and [%d] int32",
			fx.Model, in.Shape, lbl.Shape, lbl.Ints != nil, fx.Batch, fx.Batch)
	}
	return tensors.FromFlatDataAndDimensions(slices.Clone(in.Floats), in.Shape...),
		tensors.FromFlatDataAndDimensions(slices.Clone(lbl.Ints), fx.Batch, 1)
}

var parityNets = []string{"inception", "resnet"}

// eachFixture runs fn as a subtest for each of parityNets on each backend,
// with the net's fixture.
func eachFixture(t *testing.T, fn func(t *testing.T, b compute.Backend, name string, fx *fixture)) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, name := range parityNets {
			t.Run(name, func(t *testing.T) { fn(t, b, name, loadFixture(t, name)) })
		}
	})
}

// TestParityPyTorchLogits runs each net with PyTorch's initial weights on
// PyTorch's batch and compares the logits.
func TestParityPyTorchLogits(t *testing.T) {
	eachFixture(t, func(t *testing.T, b compute.Backend, name string, fx *fixture) {
		spec, err := models.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		store := newStore(t, fx)
		exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			return spec.Build(scope, x)
		})
		if err != nil {
			t.Fatal(err)
		}
		images, _ := fx.batch(t)
		out, err := exec.Exec(images)
		if err != nil {
			t.Fatal(err)
		}
		checkVariables(t, fx, store)
		want := fx.float(t, "logits")
		if got := out[0].Shape().Dimensions; !slices.Equal(got, want.Shape) {
			t.Fatalf("logits shape %v, PyTorch's %v", got, want.Shape)
		}
		d := expectClose(t, "logits", floats(t, "logits", out[0]), want, logitsTol)
		t.Logf("%s on %s: logits max abs diff %.3g (tolerance %g)", name, b.Name(), d, logitsTol)
	})
}

// TestParityPyTorchTrainStep runs one training step exactly as lib/training
// does (same trainer, loss and optimiser) from PyTorch's initial weights on
// PyTorch's batch and compares the batch loss and every updated weight.
func TestParityPyTorchTrainStep(t *testing.T) {
	eachFixture(t, func(t *testing.T, b compute.Backend, name string, fx *fixture) {
		// The lesson's recipe, which the fixture must have been made with.
		cfg := training.DefaultConfig(name)
		if fx.LearningRate != cfg.LearningRate || fx.Momentum != cfg.Momentum {
			t.Fatalf("fixture made with lr=%g momentum=%g, the lesson's recipe is lr=%g momentum=%g",
				fx.LearningRate, fx.Momentum, cfg.LearningRate, cfg.Momentum)
		}
		store := newStore(t, fx)
		trainer, err := training.NewTrainer(b, store, cfg)
		if err != nil {
			t.Fatal(err)
		}
		images, labels := fx.batch(t)
		metrics, err := trainer.TrainStep(train.Batch{
			Inputs: []*tensors.Tensor{images}, Labels: []*tensors.Tensor{labels}})
		if err != nil {
			t.Fatal(err)
		}
		checkVariables(t, fx, store)

		// The loss: the first metric is the batch's mean loss, before the update.
		gotLoss := floats(t, "loss", metrics[0])
		lossDiff := expectClose(t, "loss", gotLoss, fx.float(t, "loss"), lossTol)

		var worstWeight, worstStep float64
		var worstWeightName, worstStepName string
		for _, key := range fx.params {
			path := varPath(key)
			v := store.GetVariable(path)
			if v == nil {
				t.Errorf("%s: no such variable after the step", path)
				continue
			}
			value, err := v.Value()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			got := floats(t, path, value)
			initial, want := fx.float(t, "initial/"+key), fx.float(t, "updated/"+key)
			if d := expectClose(t, path+" after one step", got, want, weightTol); d >= worstWeight {
				worstWeight, worstWeightName = d, path
			}
			// The step itself, relative to the size of PyTorch's step,
			// so a no-op, a wrong sign or a wrong learning rate fails
			// even where the step is barely larger than weightTol.
			gotStep, wantStep := make([]float32, len(got)), make([]float32, len(got))
			var wantMax float64
			for i := range got {
				gotStep[i] = got[i] - initial.Floats[i]
				wantStep[i] = want.Floats[i] - initial.Floats[i]
				wantMax = max(wantMax, math.Abs(float64(wantStep[i])))
			}
			if wantMax == 0 {
				t.Errorf("%s: PyTorch's step left it unchanged: the fixture can't test it", path)
				continue
			}
			d, _ := diff(gotStep, wantStep)
			if rel := d / wantMax; rel >= worstStep {
				worstStep, worstStepName = rel, path
			}
			expectClose(t, fmt.Sprintf("%s step (updated − initial, PyTorch's largest |step| %.3g)", path, wantMax),
				gotStep, array{Shape: want.Shape, Floats: wantStep}, max(stepRelTol*wantMax, stepAbsTol))
		}
		t.Logf("%s on %s: loss %.8f, PyTorch's %.8f, abs diff %.3g (tolerance %g); "+
			"weights after one step: max abs diff %.3g in %s (tolerance %g); "+
			"step: max diff relative to PyTorch's largest step %.3g in %s (tolerance %g, at least %g absolute)",
			name, b.Name(), gotLoss[0], fx.Loss, lossDiff, lossTol,
			worstWeight, worstWeightName, weightTol, worstStep, worstStepName, stepRelTol, stepAbsTol)
	})
}

// TestParityPyTorchInput checks that the fixture's batch is what lib/mnist
// gives for the first test images, so the Go programs feed the nets what
// PyTorch's transforms feed them. It needs the MNIST files (`make setup`).
func TestParityPyTorchInput(t *testing.T) {
	ds := mnisttest.Load(t, mnist.Test)
	for _, name := range parityNets {
		fx := loadFixture(t, name)
		in := fx.float(t, "input")
		first := make([]int, fx.Batch)
		for i := range first {
			first[i] = i
		}
		images := make([]float32, fx.Batch*mnist.ImageSize)
		if err := ds.ImagesInto(images, first); err != nil {
			t.Fatal(err)
		}
		// lib/mnist hands out NCHW batches, as PyTorch's.
		d := expectClose(t, name+" fixture input vs lib/mnist", images, in, 1e-6)
		if got, want := ds.Labels[:fx.Batch], fx.arrays["labels"].Ints; !slices.Equal(got, want) {
			t.Errorf("%s fixture labels %v, lib/mnist's %v", name, want, got)
		}
		t.Logf("%s fixture input: max abs diff from lib/mnist %.3g", name, d)
	}
}
