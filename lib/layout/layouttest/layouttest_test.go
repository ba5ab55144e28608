package layouttest

import (
	"os"
	"testing"
)

// This test runs in lib/layout/layouttest: Path of that is where it runs,
// and Path of nothing is the root, which holds go.mod.
func TestPath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if got := Path(t, "lib", "layout", "layouttest"); got != wd {
		t.Errorf("Path(lib, layout, layouttest) = %s, want the working directory %s", got, wd)
	}
	if _, err := os.Stat(Path(t, "go.mod")); err != nil {
		t.Errorf("the root Path finds holds no go.mod: %v", err)
	}
	if got, want := Path(t, "plots", "depth"), Path(t)+"/plots/depth"; got != want {
		t.Errorf("Path(plots, depth) = %s, want %s", got, want)
	}
}
