package models

import (
	"fmt"
	"strconv"
	"strings"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

// DeepChannels is the width of every layer of the deep nets (PlainNet and
// DeepResidualNet): narrow, so that 20 layers train in seconds on a CPU.
const DeepChannels = 8

// MaxDepth is the deepest plain or residual net that ByName builds.
const MaxDepth = 100

// deepStem is the deep nets' first layer: a 3x3 convolution from the image to
// DeepChannels, ReLU, and 2x2 max pooling, [batch, 1, 28, 28] (channels-first,
// as PyTorch) to [batch, 14, 14, 8] (channels-last, see package nn).
func deepStem(scope *model.Scope, x *Node) *Node {
	batch := x.Shape().Dim(0)
	x.AssertDims(batch, 1, 28, 28)
	x = nn.ToChannelsLast(x)
	return nn.MaxPool2(scope.In("mp1"), activation.Relu(nn.Conv2D(scope.In("stem"), x, DeepChannels, 3, 1)))
}

// deepHead pools [batch, 14, 14, 8] to 7x7 and maps it to 10 logits.
func deepHead(scope *model.Scope, x *Node) *Node {
	batch := x.Shape().Dim(0)
	x.AssertDims(batch, 14, 14, DeepChannels)
	x = nn.Flatten(nn.MaxPool2(scope.In("mp2"), x))
	return nn.Linear(scope.In("fc"), x, 10)
}

// PlainNet returns a plain net of depth 3x3 convolutions, each followed by
// ReLU, between deepStem and deepHead: images [batch, 1, 28, 28] to logits
// [batch, 10]. Its layers are named "conv01", "conv02", ... from the input on.
// It has the same layers and parameters as DeepResidualNet(depth), without the
// skip connections.
func PlainNet(depth int) (Fn, error) {
	if err := checkDepth(depth, false); err != nil {
		return nil, err
	}
	return func(scope *model.Scope, x *Node) *Node {
		x = deepStem(scope, x)
		for i := 1; i <= depth; i++ {
			x = activation.Relu(nn.Conv2D(scope.In("conv%02d", i), x, DeepChannels, 3, 1))
		}
		return deepHead(scope, x)
	}, nil
}

// DeepResidualNet returns a net of depth/2 of the lesson's residual blocks
// (ResidualBlock: two 3x3 convolutions and the skip connection) between
// deepStem and deepHead: images [batch, 1, 28, 28] to logits [batch, 10].
// Its blocks are named "block01", "block02", ..., each with "conv1" and
// "conv2". depth, the number of 3x3 convolutions, must be even.
func DeepResidualNet(depth int) (Fn, error) {
	if err := checkDepth(depth, true); err != nil {
		return nil, err
	}
	return func(scope *model.Scope, x *Node) *Node {
		x = deepStem(scope, x)
		for i := 1; i <= depth/2; i++ {
			x = ResidualBlock(scope.In("block%02d", i), x)
		}
		return deepHead(scope, x)
	}, nil
}

func checkDepth(depth int, residual bool) error {
	if depth < 1 || depth > MaxDepth {
		return fmt.Errorf("depth must be between 1 and %d 3x3 layers, got %d", MaxDepth, depth)
	}
	if residual && depth%2 != 0 {
		return fmt.Errorf("a residual net's depth counts its 3x3 layers, two per residual block, so it must be even; got %d", depth)
	}
	return nil
}

// DeepParams is the number of trainable parameters of PlainNet(depth) and
// DeepResidualNet(depth): the stem, depth 3x3 convolutions, and the linear layer.
func DeepParams(depth int) int {
	const c = DeepChannels
	return (1*c*9 + c) + depth*(c*c*9+c) + (c*7*7*10 + 10)
}

// deepSpec returns the spec of "plain-N" or "residual-N", if name is one.
func deepSpec(name string) (Spec, bool, error) {
	kind, n, ok := strings.Cut(name, "-")
	if !ok || (kind != "plain" && kind != "residual") {
		return Spec{}, false, nil
	}
	depth, err := strconv.Atoi(n)
	if err != nil {
		return Spec{}, true, fmt.Errorf("model %q: the depth after %q must be a whole number", name, kind+"-")
	}
	var build Fn
	var title string
	if kind == "plain" {
		build, err = PlainNet(depth)
		title = fmt.Sprintf("Plain net of %d 3x3 layers", depth)
	} else {
		build, err = DeepResidualNet(depth)
		title = fmt.Sprintf("Residual net of %d 3x3 layers (%d residual blocks)", depth, depth/2)
	}
	if err != nil {
		return Spec{}, true, fmt.Errorf("model %q: %w", name, err)
	}
	return Spec{Name: name, Title: title, Build: build, Params: DeepParams(depth)}, true, nil
}
