package peak_test

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/learn-gomlx/advanced-cnn/lib/peak"
)

func TestMeasure(t *testing.T) {
	r, err := peak.Measure(1, 200*time.Millisecond)
	if errors.Is(err, peak.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Any FMA core of the last 15 years does at least 1 GFLOP/s on one thread,
	// and none does 1000 (that would be a miscount, not a fast core).
	if r.GFLOPS < 1 || r.GFLOPS > 1000 || r.Threads != 1 || r.Kernel == "" {
		t.Errorf("implausible measurement: %+v", r)
	}
	t.Log(r)
}

func TestMeasureRefusesBadArguments(t *testing.T) {
	for _, tc := range []struct {
		threads int
		d       time.Duration
	}{{0, time.Second}, {1, 0}, {-1, time.Second}, {runtime.NumCPU() + 1, time.Second}} {
		if _, err := peak.Measure(tc.threads, tc.d); err == nil || errors.Is(err, peak.ErrUnsupported) {
			t.Errorf("Measure(%d, %s): error %v, want an argument error", tc.threads, tc.d, err)
		}
	}
}
