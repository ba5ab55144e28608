// Package layout names the repository's files: its root (FindRoot) and the
// committed reference runs under plots/, with the files a run's folder holds.
//
// The layout of plots/ is:
//
//	plots/<net>/                    seed 1's run: history.json, epochs.csv, losses.csv, weights.bin, weights.json
//	plots/seeds/<net>-seed<N>/      the other seeds' runs
//	plots/pytorch/<net>-seed<N>.log the lesson's PyTorch code, run with seed N
package layout

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ModulePath is the Go module of this repository; the folder whose go.mod
// declares it is the repository's root.
const ModulePath = "github.com/learn-gomlx/advanced-cnn"

// PlotsDir is the folder of the committed reference runs, relative to the root.
const PlotsDir = "plots"

// The files of a run's folder (training.History.Save, training.Checkpoint.Save
// and the weights package write them).
const (
	HistoryFile      = "history.json"   // the whole history, the one other files are derived from
	EpochsFile       = "epochs.csv"     // one row per epoch
	LossesFile       = "losses.csv"     // one row per loss log line
	CheckpointFile   = "checkpoint.gob" // the resumable state, never committed
	WeightsFile      = "weights.bin"    // the trained variables, little-endian float32
	WeightsIndexFile = "weights.json"   // what weights.bin holds
)

// RunDir is the folder of net's reference run (seed 1) under plotsDir: plots/<net>.
func RunDir(plotsDir, net string) string { return filepath.Join(plotsDir, net) }

// SeedRunDir is the folder of net's run with seed under plotsDir:
// plots/<net> for seed 1, plots/seeds/<net>-seed<N> for the others.
func SeedRunDir(plotsDir, net string, seed int64) string {
	if seed == 1 {
		return RunDir(plotsDir, net)
	}
	return filepath.Join(plotsDir, "seeds", net+"-seed"+strconv.FormatInt(seed, 10))
}

// SeedRunDirs returns the folders of net's runs with seeds other than 1 that
// exist under plotsDir.
func SeedRunDirs(plotsDir, net string) ([]string, error) {
	return filepath.Glob(filepath.Join(plotsDir, "seeds", net+"-seed*"))
}

// PyTorchLogs returns the logs of the lesson's PyTorch code for net under
// plotsDir: plots/pytorch/<net>-seed<N>.log.
func PyTorchLogs(plotsDir, net string) ([]string, error) {
	return filepath.Glob(filepath.Join(plotsDir, "pytorch", net+"-seed*.log"))
}

// FindRoot walks up from dir (the working directory when empty) to the
// first folder whose go.mod declares the module ModulePath, and returns it.
func FindRoot(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("can't find the repository: %w", err)
		}
		dir = wd
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("can't find the repository from %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if modulePathOf(filepath.Join(d, "go.mod")) == ModulePath {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no folder from %s up holds the go.mod of module %s: "+
				"run from inside the repository, or say where the file is", abs, ModulePath)
		}
	}
}

// modulePathOf returns the module path declared in the go.mod file at path, or "" if none can be read.
func modulePathOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`+"`")
		}
	}
	return ""
}
