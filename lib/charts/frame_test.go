package charts

import (
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/errtest"
)

func TestFrameSizeApply(t *testing.T) {
	tests := []struct {
		name          string
		size          frameSize
		width, height int
		wantW, wantH  int
		wantErr       string
	}{
		{"defaults", depthSize, 0, 0, 900, 520, ""},
		{"given", depthSize, 700, 400, 700, 400, ""},
		{"the smallest", depthSize, 400, 300, 400, 300, ""},
		{"too narrow", depthSize, 399, 300, 0, 0, "charts: a depth chart of 399x300 px is too small (at least 400x300)"},
		{"too low", depthSize, 900, 299, 0, 0, "of 900x299 px is too small"},
		{"default width, too low", spreadSize, 0, 100, 0, 0, "a seed spread of 900x100 px is too small (at least 200x200)"},
		{"named", twoPanelSize.named("a sweep chart"), 100, 0, 0, 0, "a sweep chart of 100x640 px"},
		{"width only: default", confusionSize, 0, 0, 640, 0, ""},
		{"width only: too small", costSize, 299, 0, 0, 0, "charts: a cost chart 299 px wide is too small (at least 300)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, h, err := tc.size.apply(tc.width, tc.height)
			if !errtest.Want(t, err, tc.wantErr) {
				return
			}
			if w != tc.wantW || h != tc.wantH {
				t.Errorf("apply(%d, %d) = %dx%d, want %dx%d", tc.width, tc.height, w, h, tc.wantW, tc.wantH)
			}
		})
	}
}
