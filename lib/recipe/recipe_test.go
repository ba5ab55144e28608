package recipe

import (
	"fmt"
	"testing"
)

func TestSteps(t *testing.T) {
	tests := []struct {
		name              string
		images, batchSize int
		want              int
	}{
		{"the lesson", TrainImages, BatchSize, 938},
		{"exact", 128, 64, 2},
		{"one partial batch", 129, 64, 3},
		{"fewer images than a batch", 10, 64, 1},
		{"no images", 0, 64, 0},
		{"no batch size", 10, 0, 0},
	}
	for _, tc := range tests {
		if got := Steps(tc.images, tc.batchSize); got != tc.want {
			t.Errorf("%s: Steps(%d, %d) = %d, want %d", tc.name, tc.images, tc.batchSize, got, tc.want)
		}
	}
	if StepsPerEpoch != Steps(TrainImages, BatchSize) {
		t.Errorf("StepsPerEpoch = %d, Steps gives %d", StepsPerEpoch, Steps(TrainImages, BatchSize))
	}
}

func ExampleSteps() {
	fmt.Println(Steps(TrainImages, BatchSize), StepsPerEpoch)
	// Output: 938 938
}
