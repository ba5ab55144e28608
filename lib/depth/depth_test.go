package depth_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/depth"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
)

// digits is a small dataset whose brightness encodes the label.
func digits(n int, seed uint64) *mnist.Dataset {
	r := rand.New(rand.NewPCG(seed, 7))
	d := &mnist.Dataset{N: n, Pixels: make([]uint8, n*mnist.ImageSize), Labels: make([]int32, n)}
	for i := range n {
		d.Labels[i] = int32(r.IntN(10))
		for p := range mnist.ImageSize {
			// about 0.5 and 0.2 per digit after normalisation
			grey := 0.1307*255 + 0.3081*255*(r.NormFloat64()*0.5+float64(d.Labels[i])/5)
			d.Pixels[i*mnist.ImageSize+p] = uint8(max(0, min(255, math.Round(grey))))
		}
	}
	return d
}

func TestRun(t *testing.T) {
	trainSet, testSet := digits(64*6, 1), digits(50, 2)
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		results := map[bool]depth.Result{}
		for _, name := range []string{"plain-8", "residual-8"} {
			r, err := depth.Run(b, name, trainSet, testSet, depth.Options{Steps: 5, GradientBatch: 16})
			if err != nil {
				t.Fatal(err)
			}
			if r.Depth != 8 || r.Name != name || len(r.Losses) != 5 || len(r.Init) != 10 || len(r.Trained) != 10 ||
				r.TestAccuracy < 0 || r.TestAccuracy > 1 || r.Seconds <= 0 {
				t.Fatalf("%s: implausible result: depth %d, %d losses, %d and %d gradient norms, accuracy %v, %v s",
					name, r.Depth, len(r.Losses), len(r.Init), len(r.Trained), r.TestAccuracy, r.Seconds)
			}
			if r.Init[3].Norm == r.Trained[3].Norm {
				t.Errorf("%s: the gradient of %s did not change with training", name, r.Init[3].Layer)
			}
			results[r.Residual] = r
		}
		plain, res := depth.Ratio(results[false].Init), depth.Ratio(results[true].Init)
		if !(plain < res/100) {
			t.Errorf("first-to-last gradient ratio at initialisation: plain %.2g, residual %.2g; want the plain one 100 times smaller", plain, res)
		}
	})
}

func TestRunBadInput(t *testing.T) {
	b := backendtest.Get(t, "go")
	d := digits(128, 1)
	tests := []struct {
		name  string
		steps int
		want  string
	}{
		{"inception", 1, "plain-N and residual-N"},
		{"plain-4", 0, "steps must be between 1 and 2"},
		{"residual-4", 3, "steps must be between 1 and 2"},
		{"residual-5", 1, "even"},
	}
	for _, tc := range tests {
		if _, err := depth.Run(b, tc.name, d, d, depth.Options{Steps: tc.steps}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%s, %d steps): error %v, want one mentioning %q", tc.name, tc.steps, err, tc.want)
		}
	}
}
