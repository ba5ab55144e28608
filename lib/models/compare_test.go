package models_test

import (
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/models/modelstest"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

// alteredBlock is the lesson's residual block (models.ResidualBlock) with
// its first convolution named first, of a k x k kernel and padding pad.
func alteredBlock(first string, k, pad int) func(*model.Scope, *Node) *Node {
	return func(scope *model.Scope, x *Node) *Node {
		c := x.Shape().Dim(-1)
		y := activation.Relu(nn.Conv2D(scope.In("%s", first), x, c, k, pad))
		y = nn.Conv2D(scope.In("conv2"), y, c, 3, 1)
		return activation.Relu(Add(x, y))
	}
}

func TestCompare(t *testing.T) {
	b := backendtest.Get(t, "go")
	tests := []struct {
		name  string
		block func(*model.Scope, *Node) *Node
		want  string // in the error; empty: no error
	}{
		{"the same", models.ResidualBlock, ""},
		{"no skip connection", func(scope *model.Scope, x *Node) *Node {
			c := x.Shape().Dim(-1)
			y := activation.Relu(nn.Conv2D(scope.In("conv1"), x, c, 3, 1))
			return activation.Relu(nn.Conv2D(scope.In("conv2"), y, c, 3, 1))
		}, "logits differ"},
		{"a wider layer", alteredBlock("conv1", 5, 2), "layer 3 differs"},
		{"a renamed layer", alteredBlock("first", 3, 1), "rblock1/first"},
		{"a layer more", func(scope *model.Scope, x *Node) *Node {
			return models.ResidualBlock(scope.In("again"), models.ResidualBlock(scope, x))
		}, "differs"},
	}
	for _, tc := range tests {
		err := models.Compare(b, models.ResidualNetWith(tc.block), models.ResidualNet)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := models.Compare(b, nil, models.ResidualNet); err == nil {
		t.Error("a nil net: no error")
	}
}

// TestInceptionReLU checks the variant with a ReLU after each 1x1
// convolution: the lesson's layers and parameters, other logits.
func TestInceptionReLU(t *testing.T) {
	b := backendtest.Get(t, "go")
	spec, s := modelstest.Summary(t, "inception-relu")
	if s.TrainableParams != spec.Params || spec.Params != 97298 {
		t.Errorf("%d trainable parameters (spec %d), want the lesson's 97,298", s.TrainableParams, spec.Params)
	}
	if err := models.Compare(b, spec.Build, models.InceptionNet); err == nil || !strings.Contains(err.Error(), "logits differ") {
		t.Errorf("Compare with the lesson's net: %v, want the same layers and other logits", err)
	}
	if slices.Contains(models.Names(), "inception-relu") {
		t.Error("Names lists the variant; it lists the lesson's nets only")
	}
}
