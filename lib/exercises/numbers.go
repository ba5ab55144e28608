package exercises

import (
	"math"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

// The lesson's worked example (notebook 01): a 5x5 convolution from 192 to 32
// channels on a 28x28 map, or a 1x1 convolution to a narrow width first.
const (
	exampleIn   = 192
	exampleOut  = 32
	exampleK    = 5
	exampleSize = 28
)

// WideReduceMults checks exercise 01.1: the multiplications, for one image,
// of a 1x1 convolution from 192 to 64 channels on the lesson's 28x28 map.
func WideReduceMults[N Numeric](answer N) Result {
	want := cost.ConvMults(exampleIn, 64, 1, exampleSize, exampleSize)
	return checkNumber("01.1", float64(answer), float64(want), 0, "the 1x1 convolution's count",
		"k·k·H·W·C_in·C_out with k = 1: one multiplication per input channel, per output channel, per output pixel.")
}

// bottleneckMults is the multiplications per output pixel of the bottleneck
// path of width w in front of a k×k convolution from in to out channels.
func bottleneckMults(in, out, k int, w float64) float64 {
	return float64(in)*w + float64(k*k)*w*float64(out)
}

// BottleneckSpeedUp checks exercise 01.2: the counted speed-up of the lesson's
// bottleneck path over the plain 5x5 when the bottleneck has 32 channels
// instead of 16. Two decimals are enough.
func BottleneckSpeedUp[N Numeric](answer N) Result {
	plain := float64(cost.ConvMults(exampleIn, exampleOut, exampleK, exampleSize, exampleSize))
	narrow := float64(cost.ConvMults(exampleIn, 32, 1, exampleSize, exampleSize) + cost.ConvMults(32, exampleOut, exampleK, exampleSize, exampleSize))
	return checkNumber("01.2", float64(answer), plain/narrow, 0.006, "the speed-up",
		"count both convolutions of the bottleneck path at width 32, as notebook 01's counting section (section 1) does at 16, and divide the plain path's count by their sum.")
}

// InceptionChannels checks exercise 02.1: the output channels of the lesson's
// InceptionA if its pool branch's 1x1 convolution gave 32 channels instead of 24.
func InceptionChannels[N Numeric](answer N) Result {
	want := 0
	for _, b := range inceptionBranches {
		want += b.out
	}
	want += 32 - inceptionBranches[len(inceptionBranches)-1].out
	return checkNumber("02.1", float64(answer), float64(want), 0, "the block's output channel count",
		"the branches are concatenated along the channels: add up what each branch gives.")
}

// inceptionBranches are InceptionA's branches as lists of convolutions (the
// average pool has no parameters): (kernel, output channels), the input
// channels being the block's for the first layer and the previous layer's after.
var inceptionBranches = []struct {
	layers [][2]int
	out    int
}{
	{[][2]int{{1, 16}}, 16},
	{[][2]int{{1, 16}, {5, 24}}, 24},
	{[][2]int{{1, 16}, {3, 24}, {3, 24}}, 24},
	{[][2]int{{1, 24}}, 24},
}

// inceptionParams is the trainable parameters of InceptionA on in channels.
func inceptionParams(in int) int64 {
	var n int64
	for _, b := range inceptionBranches {
		c := in
		for _, l := range b.layers {
			n += cost.ConvParams(c, l[1], l[0])
			c = l[1]
		}
	}
	return n
}

// InceptionParams checks exercise 02.2: the trainable parameters (weights and
// biases) of the lesson's InceptionA on 88 input channels, as a third block
// after the second would have.
func InceptionParams[N Numeric](answer N) Result {
	return checkNumber("02.2", float64(answer), float64(inceptionParams(88)), 0, "the block's parameter count",
		"a convolution from C_in to C_out channels with a k×k kernel has k·k·C_in·C_out weights and C_out biases; "+
			"only the first layer of each branch reads the 88 channels, and the average pool has none.")
}

// TwoThreeByThree checks exercise 02.3: how many multiplications two stacked
// 3x3 convolutions need per output value and per pair of channels, against
// the 25 of one 5x5 that sees the same 5x5 patch.
func TwoThreeByThree[N Numeric](answer N) Result {
	want := cost.ConvParams(1, 1, 3)*2 - 2 // two 3x3 kernels, without their biases
	return checkNumber("02.3", float64(answer), float64(want), 0, "the stacked 3x3 count",
		"a k×k kernel does k·k multiplications per output value for one input channel and one output channel; count both kernels.")
}

// ResidualBlockParams checks exercise 03.2: the trainable parameters of the
// lesson's ResidualBlock on 64 channels.
func ResidualBlockParams[N Numeric](answer N) Result {
	want := 2 * cost.ConvParams(64, 64, 3)
	return checkNumber("03.2", float64(answer), float64(want), 0, "the block's parameter count",
		"two 3x3 convolutions from 64 to 64 channels, each with its biases; the addition has no parameters.")
}

// ResidualFlatten checks exercise 03.3: how many values would reach the
// residual net's linear layer if the images were 32x32 instead of 28x28.
func ResidualFlatten[N Numeric](answer N) Result {
	h := cost.ConvOutSize(32, 5, 1, 0) / 2 // conv1 5x5, no padding, then max pool 2
	h = cost.ConvOutSize(h, 5, 1, 0) / 2   // conv2, then max pool 2; the blocks keep the size
	want := 32 * h * h
	return checkNumber("03.3", float64(answer), float64(want), 0, "the flattened size",
		"follow one side of the image: a 5x5 convolution without padding takes 4 pixels off, max pooling halves it, "+
			"and the residual blocks keep it; then multiply by the channels of the last block.")
}

// VanishingOrders checks exercise 04.1: if each of 20 conv + ReLU layers
// passes on about 1/√6 of the gradient, by how many orders of magnitude
// (powers of ten) has it shrunk after all 20? One decimal is enough.
func VanishingOrders[N Numeric](answer N) Result {
	want := 20 * math.Log10(math.Sqrt(6))
	return checkNumber("04.1", math.Abs(float64(answer)), want, 0.06, "the number of orders of magnitude",
		"the factor after 20 layers is (1/√6)^20; the orders of magnitude are minus its logarithm to base 10.")
}

// HeStd checks exercise 04.2: the standard deviation of He initialisation's
// weights for the deep nets' 3x3 convolutions from 8 to 8 channels.
// Three decimals are enough.
func HeStd[N Numeric](answer N) Result {
	want := nn.HeStd(models.DeepChannels * 3 * 3)
	return checkNumber("04.2", float64(answer), want, 0.0006, "the standard deviation",
		"He initialisation draws weights with standard deviation √(2/fan_in); fan_in is the number of inputs of one output value: channels times the kernel's 3·3.")
}

// degradationAnswer is the hash of 04.4's answer (see hashChoice).
const degradationAnswer = "c88853b02d55d37b3184e8bd41ae3d84b667d7c991ec70c19b070072987b07c8"

// Degradation checks exercise 04.4, a choice: which comparison tells
// degradation apart from the vanishing gradient? The notebook lists (a) to (d).
func Degradation(answer string) Result {
	return checkChoice("04.4", answer, []string{"a", "b", "c", "d"}, degradationAnswer,
		"degradation is about fitting the training images when the gradient is healthy: which nets have a healthy gradient, and which accuracy measures fitting?")
}
