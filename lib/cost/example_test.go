package cost_test

import (
	"fmt"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
)

// The 5x5 convolution of the lesson's 1x1 comparison: 192 channels in, 32
// out, on a 28x28 map kept by padding. Each of the 28·28·32 output values is
// a dot product of 5·5·192 = 4800 multiplications.
func ExampleConvMults() {
	mults := cost.ConvMults(192, 32, 5, 28, 28)
	fmt.Println(mults, "=", cost.Thousands(mults))
	// Output: 120422400 = 120,422,400
}
