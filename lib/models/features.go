package models

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

// BranchNames name the branches of InceptionBranches, in its order.
var BranchNames = [4]string{"1x1", "5x5", "3x3", "average pool"}

// FirstInceptionBranches runs the Inception net up to its first block and
// returns that block's four branches (InceptionBranches) for x [batch, 1,
// 28, 28], channels-first as PyTorch's: [batch, 16, 12, 12] and three of
// [batch, 24, 12, 12]. With the Inception net's store, these are what its
// first block sees.
func FirstInceptionBranches(scope *model.Scope, x *Node) []*Node {
	branches := InceptionBranches(scope.In("incep1"), inceptionInput(scope, x))
	for i, b := range branches {
		branches[i] = nn.ToChannelsFirst(b)
	}
	return branches
}

// FeatureMap is one channel of a layer's output for one image.
type FeatureMap struct {
	Pixels        []float32 // Height rows of Width values
	Width, Height int
}

// FeatureMaps runs layers with the weights in store on one image (28x28
// normalised pixels, as in mnist.Dataset) and returns, for each of the
// layers' outputs [1, channels, H, W], its channels as feature maps.
func FeatureMaps(backend compute.Backend, store *model.Store, layers func(*model.Scope, *Node) []*Node, image []float32) (maps [][]FeatureMap, err error) {
	if len(image) != 28*28 {
		return nil, fmt.Errorf("feature maps: an image has 784 pixels (28x28), got %d", len(image))
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("feature maps: %v", r)
		}
	}()
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) []*Node { return layers(scope, x) })
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	in := tensors.FromShape(shapes.Make(nn.DType, 1, 1, 28, 28))
	tensors.MutableFlatData(in, func(flat []float32) { copy(flat, image) })
	outs, err := exec.Exec(in)
	if err != nil {
		return nil, fmt.Errorf("feature maps: %w", err)
	}
	for i, out := range outs {
		dims := out.Shape().Dimensions
		if len(dims) != 4 || dims[0] != 1 {
			return nil, fmt.Errorf("feature maps: output %d has shape %v, want [1, channels, height, width]", i, dims)
		}
		flat := tensors.MustCopyFlatData[float32](out)
		c, h, w := dims[1], dims[2], dims[3]
		group := make([]FeatureMap, c)
		for ch := range c {
			group[ch] = FeatureMap{Pixels: flat[ch*h*w : (ch+1)*h*w], Width: w, Height: h}
		}
		maps = append(maps, group)
	}
	return maps, nil
}
