// Package layouttest finds the repository's own files from a test, wherever
// in the repository the test runs.
package layouttest

import (
	"path/filepath"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/layout"
)

// Path returns the absolute path of elem (e.g. "docs", "exercises.md") below
// the repository's root, which layout.FindRoot finds from the working
// directory. It fails t when the test does not run inside the repository.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	root, err := layout.FindRoot("")
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(append([]string{root}, elem...)...)
}
