package stats

import (
	"fmt"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"empty", nil, 0},
		{"one", []float64{3}, 3},
		{"odd, unsorted", []float64{5, 1, 3}, 3},
		{"even: mean of the middle pair", []float64{4, 1, 3, 2}, 2.5},
		{"even, equal middle", []float64{1, 2, 2, 9}, 2},
		{"negative", []float64{-4, -2}, -3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.xs...)
			if got := Median(tc.xs); got != tc.want {
				t.Errorf("Median(%v) = %v, want %v", tc.xs, got, tc.want)
			}
			for i := range in {
				if in[i] != tc.xs[i] {
					t.Fatalf("Median reordered its input: %v, was %v", tc.xs, in)
				}
			}
		})
	}
}

func TestMedianOfDurations(t *testing.T) {
	tests := []struct {
		xs   []time.Duration
		want time.Duration
	}{
		{[]time.Duration{3 * time.Millisecond, time.Millisecond}, 2 * time.Millisecond},
		{[]time.Duration{1, 2}, 1}, // integer types round towards zero
		{[]time.Duration{7, 1, 4}, 4},
	}
	for _, tc := range tests {
		if got := Median(tc.xs); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}

func ExampleMedian() {
	fmt.Println(Median([]float64{12.5, 10, 11, 40}))
	// Output: 11.75
}
