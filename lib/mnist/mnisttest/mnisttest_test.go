package mnisttest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
)

func TestHoldsAll(t *testing.T) {
	names := []string{}
	for _, f := range mnist.Files() {
		names = append(names, f.Name)
	}
	tests := []struct {
		name  string
		files []string
		want  bool
	}{
		{"all four", names, true},
		{"one missing", names[1:], false},
		{"none", nil, false},
		{"other names", []string{"a.gz", "b.gz", "c.gz", "d.gz"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, n := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := holdsAll(dir); got != tc.want {
				t.Errorf("holdsAll with %v = %v, want %v", tc.files, got, tc.want)
			}
		})
	}
	if holdsAll(filepath.Join(t.TempDir(), "absent")) {
		t.Error("a folder that does not exist holds the files")
	}
}
