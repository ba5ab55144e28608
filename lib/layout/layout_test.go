package layout

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindRootFromThisPackage(t *testing.T) {
	root, err := FindRoot("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "lib", "layout", "layout.go")); err != nil {
		t.Errorf("FindRoot = %s, which does not hold lib/layout: %v", root, err)
	}
	if _, err := FindRoot(t.TempDir()); err == nil {
		t.Error("FindRoot outside the repository gave no error")
	}
}

func TestPlotsLayout(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"seed 1's run", RunDir("plots", "resnet"), "plots/resnet"},
		{"seed 1 by seed", SeedRunDir("plots", "resnet", 1), "plots/resnet"},
		{"another seed", SeedRunDir("plots", "inception", 3), "plots/seeds/inception-seed3"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

// The committed reference runs are where the layout says.
func TestCommittedRuns(t *testing.T) {
	root, err := FindRoot("")
	if err != nil {
		t.Fatal(err)
	}
	plots := filepath.Join(root, PlotsDir)
	for _, net := range []string{"inception", "resnet"} {
		for _, f := range []string{HistoryFile, EpochsFile, LossesFile, WeightsFile, WeightsIndexFile} {
			if _, err := os.Stat(filepath.Join(RunDir(plots, net), f)); err != nil {
				t.Error(err)
			}
		}
		logs, err := PyTorchLogs(plots, net)
		if err != nil || len(logs) == 0 {
			t.Errorf("no PyTorch logs of %s under %s (%v)", net, plots, err)
		}
	}
	dirs, err := SeedRunDirs(plots, "inception")
	if err != nil || len(dirs) == 0 {
		t.Errorf("no other seeds of inception under %s (%v)", plots, err)
	}
}
