package evaluate

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/errtest"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/models/modelstest"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
	"github.com/learn-gomlx/advanced-cnn/lib/training/trainingtest"
)

// widerBlock is a student's edit of the lesson's residual block: a 1x1
// convolution added in front of the first 3x3 one.
func widerBlock(scope *model.Scope, x *Node) *Node {
	channels := x.Shape().Dim(-1) // channels-last, as lib/nn computes

	y := activation.Relu(nn.Conv2D(scope.In("squeeze"), x, channels, 1, 0))
	y = activation.Relu(nn.Conv2D(scope.In("conv1"), y, channels, 3, 1))
	y = nn.Conv2D(scope.In("conv2"), y, channels, 3, 1)
	return activation.Relu(Add(x, y))
}

// editedResidualNet is the lesson's residual net with widerBlock in place of ResidualBlock.
var editedResidualNet = models.ResidualNetWith(widerBlock)

// The net that trains is the model function given in training.Options, not the
// library's: its own variables are in the store, and Predict on that store
// agrees with the test accuracy training.Train measured.
func TestTrainsTheGivenModelFunction(t *testing.T) {
	trainSet, testSet := trainingtest.Synthetic(200, 1), trainingtest.Synthetic(70, 2)
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		store := model.NewStore()
		h, err := training.Train(b, trainingtest.SmallConfig("resnet", 1), trainSet, testSet, training.Options{Model: editedResidualNet, Store: store})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"/rblock1/squeeze/weight", "/rblock2/squeeze/weight"} {
			if store.GetVariable(want) == nil {
				t.Errorf("the store has no %s: the edited block did not train", want)
			}
		}
		velocity := store.GetVariable("/" + "sgd_momentum" + "/rblock1/squeeze/weight_velocity")
		if velocity == nil {
			t.Fatal("no momentum for the edited block's weight: it was not updated")
		}
		v, _ := velocity.Value()
		if v.Shape().Size() == 0 || slices.Max(absAll(v.Value().([][][][]float32))) == 0 {
			t.Error("the edited block's weight never received a gradient")
		}

		pred, err := Predict(b, store, editedResidualNet, testSet, 32)
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewConfusion(testSet.Labels, pred)
		if err != nil {
			t.Fatal(err)
		}
		final, _ := h.Final()
		if c.Total() != testSet.N || math.Abs(c.Accuracy()-final.TestAccuracy) > 1e-6 { // Train's metric is float32
			t.Errorf("Predict's accuracy %.4f on %d images, Train's %.4f on %d", c.Accuracy(), c.Total(), final.TestAccuracy, testSet.N)
		}

		if _, err := Predict(b, model.NewStore(), nil, testSet, 32); err == nil {
			t.Error("Predict without a model function gave no error")
		}
	})
}

func absAll(w [][][][]float32) []float32 {
	var out []float32
	for _, a := range w {
		for _, b := range a {
			for _, c := range b {
				for _, v := range c {
					out = append(out, float32(math.Abs(float64(v))))
				}
			}
		}
	}
	return out
}

func TestNewConfusion(t *testing.T) {
	tests := []struct {
		name         string
		labels, pred []int32
		want         map[[2]int]int
		accuracy     float64
		err          string
	}{
		{"all right", []int32{0, 1, 2}, []int32{0, 1, 2}, map[[2]int]int{{0, 0}: 1, {1, 1}: 1, {2, 2}: 1}, 1, ""},
		{"a 4 taken for a 9", []int32{4, 4, 9, 9}, []int32{9, 4, 9, 9}, map[[2]int]int{{4, 9}: 1, {4, 4}: 1, {9, 9}: 2}, 0.75, ""},
		{"lengths differ", []int32{1, 2}, []int32{1}, nil, 0, "2 labels but 1 predictions"},
		{"label out of range", []int32{10}, []int32{1}, nil, 0, "label 10"},
		{"negative prediction", []int32{1}, []int32{-1}, nil, 0, "prediction -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewConfusion(tc.labels, tc.pred)
			if !errtest.Want(t, err, tc.err) {
				return
			}
			for tr := range 10 {
				for p := range 10 {
					if got := c.Counts[tr][p]; got != tc.want[[2]int{tr, p}] {
						t.Errorf("Counts[%d][%d] = %d, want %d", tr, p, got, tc.want[[2]int{tr, p}])
					}
				}
			}
			if c.Accuracy() != tc.accuracy || c.Total() != len(tc.labels) {
				t.Errorf("accuracy %v of %d, want %v of %d", c.Accuracy(), c.Total(), tc.accuracy, len(tc.labels))
			}
		})
	}
}

func TestMistakes(t *testing.T) {
	labels := []int32{1, 2, 3, 4, 5}
	pred := []int32{1, 7, 3, 9, 6}
	want := []Mistake{{1, 2, 7}, {3, 4, 9}, {4, 5, 6}}
	if got := Mistakes(labels, pred, 0); !slices.Equal(got, want) {
		t.Errorf("all mistakes: %v, want %v", got, want)
	}
	if got := Mistakes(labels, pred, 2); !slices.Equal(got, want[:2]) {
		t.Errorf("first two mistakes: %v, want %v", got, want[:2])
	}
}

// At initialisation, the gradient reaching the first layer of a plain net of
// 12 layers is orders of magnitude smaller than at its last layer, and than at
// the first layer of the residual net of the same depth: the vanishing
// gradient that notebook 04 draws.
func TestGradientNormsVanishInPlainNets(t *testing.T) {
	data := trainingtest.Synthetic(32, 3)
	const depth = 12
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		norms := map[string][]LayerGradient{}
		for _, name := range []string{"plain-12", "residual-12"} {
			spec, err := models.ByName(name)
			if err != nil {
				t.Fatal(err)
			}
			store := modelstest.Store(t)
			g, err := GradientNorms(b, store, spec.Build, data, 32)
			if err != nil {
				t.Fatal(err)
			}
			if len(g) != depth+2 || g[0].Layer != "/stem" || g[len(g)-1].Layer != "/fc" {
				t.Fatalf("%s: %d layers from %v to %v, want %d from /stem to /fc", name, len(g), g[0], g[len(g)-1], depth+2)
			}
			for _, l := range g {
				if !(l.Norm > 0) || math.IsInf(l.Norm, 0) {
					t.Fatalf("%s: layer %s has gradient norm %v", name, l.Layer, l.Norm)
				}
			}
			norms[name] = g
		}
		plain, res := norms["plain-12"], norms["residual-12"]
		if r := plain[0].Norm / plain[len(plain)-2].Norm; r > 1e-3 {
			t.Errorf("plain net: first layer's gradient is %.2g of the last conv layer's, want it to have vanished (< 1e-3)", r)
		}
		if r := plain[0].Norm / res[0].Norm; r > 1e-3 {
			t.Errorf("first layer's gradient: plain %.2g, residual %.2g; want the plain one 1000 times smaller", plain[0].Norm, res[0].Norm)
		}
	})
}

func TestGradientNormsBadInput(t *testing.T) {
	b := backendtest.Get(t, "go")
	spec, _ := models.ByName("plain-2")
	data := trainingtest.Synthetic(4, 1)
	if _, err := GradientNorms(b, model.NewStore(), spec.Build, data, 5); err == nil || !strings.Contains(err.Error(), "5 images") {
		t.Errorf("a batch larger than the dataset: error %v", err)
	}
	if _, err := GradientNorms(b, model.NewStore(), nil, data, 2); err == nil {
		t.Error("no model function: no error")
	}
}
