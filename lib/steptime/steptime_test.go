package steptime

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

func TestRandomDataset(t *testing.T) {
	a, b := RandomDataset(3, 7), RandomDataset(3, 7)
	if a.N != 3 || len(a.Pixels) != 3*mnist.ImageSize || len(a.Labels) != 3 {
		t.Fatalf("RandomDataset(3) has %d images, %d pixels, %d labels", a.N, len(a.Pixels), len(a.Labels))
	}
	if !slices.Equal(a.Pixels, b.Pixels) || !slices.Equal(a.Labels, b.Labels) {
		t.Error("the same seed gave different data")
	}
	if err := training.CheckDataset("random set", a); err != nil {
		t.Error(err)
	}
}

// An invalid recipe is an error naming the setting, before anything is built.
func TestNewStepTimerRefusesABadConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(*training.Config)
		want string
	}{
		{"unknown net", func(c *training.Config) { c.Model = "lenet" }, "unknown model"},
		{"no batch", func(c *training.Config) { c.BatchSize = 0 }, "batch size"},
	}
	for _, tc := range tests {
		cfg := training.DefaultConfig("resnet")
		tc.edit(&cfg)
		if _, err := NewStepTimer(backendtest.Get(t, "go"), cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewStepTimer error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// ProcessCPU counts this process's processor time: busy work adds to it.
func TestProcessCPU(t *testing.T) {
	before := ProcessCPU()
	x := 0.0
	for start := time.Now(); time.Since(start) < 100*time.Millisecond; {
		x += math.Sqrt(x + 1)
	}
	if after := ProcessCPU(); !(before > 0 && after > before) {
		t.Errorf("ProcessCPU %v before 100 ms of work and %v after (x %g)", before, after, x)
	}
}
