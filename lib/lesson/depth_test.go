package lesson

import (
	"strings"
	"testing"
)

func TestDepthExperiment(t *testing.T) {
	tests := []struct {
		quick     string
		images    int
		wantName  string
		wantSteps int
		wantErr   string
	}{
		{"", 60000, "full", 300, ""},
		{"1", 60000, "quick", 150, ""},
		{"", 3000, "full", 46, ""}, // a headless test's 3,000 images: 46 batches
		{"", 10, "", 0, "at least 64"},
		{"maybe", 60000, "", 0, "ADVCNN_QUICK"},
	}
	for _, tc := range tests {
		t.Setenv(EnvQuick, tc.quick)
		e, name, err := DepthExperiment(tc.images)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("quick %q, %d images: error %v, want %q", tc.quick, tc.images, err, tc.wantErr)
			}
			continue
		}
		if err != nil || name != tc.wantName || e.Steps != tc.wantSteps {
			t.Errorf("quick %q, %d images: %s with %d steps, %v; want %s with %d", tc.quick, tc.images, name, e.Steps, err, tc.wantName, tc.wantSteps)
		}
	}
}
