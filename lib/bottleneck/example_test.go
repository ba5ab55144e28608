package bottleneck_test

import (
	"fmt"

	"github.com/learn-gomlx/advanced-cnn/lib/bottleneck"
	"github.com/learn-gomlx/advanced-cnn/lib/cost"
)

// The lesson's bottleneck path, 1x1 from 192 to 16 channels and then 5x5 to
// 32, against the plain 5x5 convolution: the counted cost per example.
func ExampleLesson() {
	for _, p := range []bottleneck.Path{bottleneck.Plain, bottleneck.Lesson} {
		fmt.Printf("%s: %s multiplications, %s parameters\n", p, cost.Thousands(p.Mults()), cost.Thousands(p.Params()))
	}
	fmt.Printf("speed-up: %.2f\n", bottleneck.Lesson.TheoreticalSpeedUp())
	// Output:
	// plain5x5: 120,422,400 multiplications, 153,632 parameters
	// bottleneck16: 12,443,648 multiplications, 15,920 parameters
	// speed-up: 9.68
}
