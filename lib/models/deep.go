package models

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

// DeepChannels is the width of every layer of the deep nets (DeepNet):
// narrow, so that deep stacks train quickly on a CPU (plots/depth records
// each run's time).
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

// DeepKind is one of the four kinds of deep net of notebook 04. All four have
// the same stem, head and 3x3 convolutions, so the same parameters and
// multiplications at the same depth; they differ in how the layers are joined
// and how their weights start.
type DeepKind string

const (
	// Plain is x = relu(conv(x)) depth times, with PyTorch's default
	// initialisation, as the lesson's nets start.
	Plain DeepKind = "plain"
	// PlainHe is Plain with He initialisation (nn.HeInit) of its 3x3
	// convolutions, which keeps the signal's size through conv and ReLU.
	PlainHe DeepKind = "plain-he"
	// Residual groups the layers in pairs into the lesson's ResidualBlock,
	// ReLU after the addition: x = relu(x + conv2(relu(conv1(x)))).
	Residual DeepKind = "residual"
	// PreAct groups them into pre-activation blocks (He et al. 2016,
	// "Identity Mappings in Deep Residual Networks"), ReLU before each
	// convolution and nothing after the addition: x = x + conv2(relu(conv1(relu(x)))).
	PreAct DeepKind = "preact"
)

// DeepKinds lists the kinds in the order notebook 04 shows them.
func DeepKinds() []DeepKind { return []DeepKind{Plain, PlainHe, Residual, PreAct} }

// Blocks reports whether the kind groups its layers into residual blocks of two.
func (k DeepKind) Blocks() bool { return k == Residual || k == PreAct }

// DeepNet returns the net of the given kind with depth 3x3 convolutions of
// DeepChannels between deepStem and deepHead: images [batch, 1, 28, 28] to
// logits [batch, 10]. Plain layers are named "conv01", "conv02", ... from the
// input on; blocks "block01", "block02", ..., each with "conv1" and "conv2".
// A kind with blocks needs an even depth.
func DeepNet(kind DeepKind, depth int) (Fn, error) {
	switch kind {
	case Plain, PlainHe, Residual, PreAct:
	default:
		return nil, fmt.Errorf("unknown kind of deep net %q: choose one of %q", kind, DeepKinds())
	}
	if err := checkDepth(depth, kind.Blocks()); err != nil {
		return nil, err
	}
	return func(scope *model.Scope, x *Node) *Node {
		x = deepStem(scope, x)
		switch kind {
		case Plain, PlainHe:
			init := nn.PyTorchInit
			if kind == PlainHe {
				init = nn.HeInit
			}
			for i := 1; i <= depth; i++ {
				x = activation.Relu(nn.Conv2DInit(scope.In("conv%02d", i), x, DeepChannels, 3, 1, init))
			}
		case Residual:
			for i := 1; i <= depth/2; i++ {
				x = ResidualBlock(scope.In("block%02d", i), x)
			}
		case PreAct:
			for i := 1; i <= depth/2; i++ {
				x = PreActBlock(scope.In("block%02d", i), x)
			}
		}
		return deepHead(scope, x)
	}, nil
}

// PreActBlock is the pre-activation residual block on x [batch, H, W, c]
// (channels-last): y = conv1(relu(x)); y = conv2(relu(y)); out = x + y, both
// convolutions 3x3, c to c, padding 1. Unlike the lesson's ResidualBlock, no
// ReLU follows the addition, so the skip path carries x, and the gradient,
// through unchanged.
func PreActBlock(scope *model.Scope, x *Node) *Node {
	channels := x.Shape().Dim(-1)
	y := nn.Conv2D(scope.In("conv1"), activation.Relu(x), channels, 3, 1)
	y = nn.Conv2D(scope.In("conv2"), activation.Relu(y), channels, 3, 1)
	return Add(x, y) // the skip connection, with no ReLU after it
}

// PlainNet is DeepNet(Plain, depth): it has the same layers and parameters
// as DeepResidualNet(depth), without the skip connections.
func PlainNet(depth int) (Fn, error) { return DeepNet(Plain, depth) }

// DeepResidualNet is DeepNet(Residual, depth): depth/2 of the lesson's
// residual blocks; depth must be even.
func DeepResidualNet(depth int) (Fn, error) { return DeepNet(Residual, depth) }

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

// deepSpec returns the spec of "KIND-N" (for a DeepKind KIND: "plain-10",
// "plain-he-10", "residual-10", "preact-10"), if name is one.
func deepSpec(name string) (Spec, bool, error) {
	i := strings.LastIndex(name, "-")
	if i < 0 {
		return Spec{}, false, nil
	}
	kind, n := DeepKind(name[:i]), name[i+1:]
	if !slices.Contains(DeepKinds(), kind) {
		return Spec{}, false, nil
	}
	depth, err := strconv.Atoi(n)
	if err != nil {
		return Spec{}, true, fmt.Errorf("model %q: the depth after %q must be a whole number", name, string(kind)+"-")
	}
	build, err := DeepNet(kind, depth)
	if err != nil {
		return Spec{}, true, fmt.Errorf("model %q: %w", name, err)
	}
	var title string
	switch kind {
	case Plain:
		title = fmt.Sprintf("Plain net of %d 3x3 layers", depth)
	case PlainHe:
		title = fmt.Sprintf("Plain net of %d 3x3 layers, He-initialised", depth)
	case Residual:
		title = fmt.Sprintf("Residual net of %d 3x3 layers (%d residual blocks)", depth, depth/2)
	case PreAct:
		title = fmt.Sprintf("Pre-activation residual net of %d 3x3 layers (%d blocks)", depth, depth/2)
	}
	return Spec{Name: name, Title: title, Build: build, Params: DeepParams(depth)}, true, nil
}
