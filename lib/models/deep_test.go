package models_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/models/modelstest"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

func TestDeepNets(t *testing.T) {
	for _, depth := range []int{2, 6} {
		mults := map[int64][]models.DeepKind{} // every kind of one depth has the same multiplications
		for _, kind := range models.DeepKinds() {
			name := fmt.Sprintf("%s-%d", kind, depth)
			t.Run(name, func(t *testing.T) {
				spec, s := modelstest.Summary(t, name)
				if !slices.Equal(s.Output, []int{1, 10}) {
					t.Errorf("output shape %v, want [1 10]", s.Output)
				}
				// stem 8·9+8, each layer 8·8·9+8, fc 8·7·7·10+10
				want := 80 + depth*584 + 3930
				if s.TrainableParams != want || spec.Params != want || models.DeepParams(depth) != want {
					t.Errorf("%d trainable parameters (spec %d, DeepParams %d), want %d", s.TrainableParams, spec.Params, models.DeepParams(depth), want)
				}
				convs := 0
				for _, l := range s.Table.Layers {
					if l.Kind == "conv 3x3" {
						convs++
						if !slices.Equal(l.OutShape, []int{8, 28, 28}) && !slices.Equal(l.OutShape, []int{8, 14, 14}) {
							t.Errorf("layer %s has output %v", l.Name, l.OutShape)
						}
					}
				}
				if convs != depth+1 {
					t.Errorf("%d 3x3 convolutions, want the stem and %d", convs, depth)
				}
				mults[s.Table.TotalMults()] = append(mults[s.Table.TotalMults()], kind)
			})
		}
		if len(mults) != 1 {
			t.Errorf("depth %d: the kinds' multiplications differ: %v", depth, mults)
		}
	}
}

func TestDeepNetNames(t *testing.T) {
	tests := []struct{ name, want string }{
		{"residual-3", "must be even"},
		{"plain-0", "between 1 and"},
		{"plain-1000", "between 1 and"},
		{"plain-x", "whole number"},
		{"deep-4", "unknown model"},
		{"preact-3", "must be even"},
		{"plain-he-x", "whole number"},
	}
	for _, tc := range tests {
		if _, err := models.ByName(tc.name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ByName(%q): error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	if _, err := models.PlainNet(0); err == nil {
		t.Error("PlainNet(0) gave no error")
	}
	if _, err := models.DeepResidualNet(5); err == nil {
		t.Error("DeepResidualNet(5) gave no error")
	}
	if _, err := models.DeepNet("dense", 4); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Errorf("DeepNet(dense, 4): error %v, want one about an unknown kind", err)
	}
}

// TestDeepKindsDiffer checks what sets the four kinds apart on the same
// input: the He-initialised plain net's weights have He's spread and zero
// biases; the pre-activation block has no ReLU after its addition, so its
// output can be negative, where the lesson's block's cannot.
func TestDeepKindsDiffer(t *testing.T) {
	b := backendtest.Get(t, "go")
	t.Run("He initialisation", func(t *testing.T) {
		for _, tc := range []struct {
			kind         models.DeepKind
			stdLo, stdHi float64
			zeroBias     bool
		}{
			{models.Plain, 0, 0.08, false},     // uniform in ±1/√72: standard deviation 0.068
			{models.PlainHe, 0.15, 0.18, true}, // √(2/72) = 0.167
		} {
			build, err := models.DeepNet(tc.kind, 2)
			if err != nil {
				t.Fatal(err)
			}
			store := modelstest.Store(t)
			exec, err := model.NewExec(b, store, func(scope *model.Scope, x *Node) *Node { return build(scope, x) })
			if err != nil {
				t.Fatal(err)
			}
			if _, err := exec.Exec(tensors.FromShape(shapes.Make(nn.DType, 1, 1, 28, 28))); err != nil {
				t.Fatal(err)
			}
			for v := range store.IterVariables() {
				if !strings.Contains(v.Path(), "conv01") {
					continue
				}
				data := tensors.MustCopyFlatData[float32](v.MustValue())
				var sum, sq float64
				for _, x := range data {
					sum, sq = sum+float64(x), sq+float64(x)*float64(x)
				}
				std := math.Sqrt(sq/float64(len(data)) - (sum/float64(len(data)))*(sum/float64(len(data))))
				switch v.Name() {
				case "weight":
					if std < tc.stdLo || std > tc.stdHi {
						t.Errorf("%s: %s has standard deviation %.3f, want %.3f to %.3f", tc.kind, v.Path(), std, tc.stdLo, tc.stdHi)
					}
				case "bias":
					if (sq == 0) != tc.zeroBias {
						t.Errorf("%s: %s zero: %v, want %v", tc.kind, v.Path(), sq == 0, tc.zeroBias)
					}
				}
			}
		}
	})
	t.Run("ReLU after the addition", func(t *testing.T) {
		in := make([]float32, 2*6*6*4)
		for i := range in {
			in[i] = float32(i%7) - 3
		}
		for _, tc := range []struct {
			name         string
			block        func(*model.Scope, *Node) *Node
			wantNegative bool
		}{{"ResidualBlock", models.ResidualBlock, false}, {"PreActBlock", models.PreActBlock, true}} {
			store := modelstest.Store(t)
			exec, err := model.NewExec(b, store, tc.block)
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Exec(tensors.FromFlatDataAndDimensions(in, 2, 6, 6, 4))
			if err != nil {
				t.Fatal(err)
			}
			negative := slices.ContainsFunc(tensors.MustCopyFlatData[float32](out[0]), func(v float32) bool { return v < 0 })
			if negative != tc.wantNegative {
				t.Errorf("%s: negative outputs %v, want %v", tc.name, negative, tc.wantNegative)
			}
		}
	})
}
