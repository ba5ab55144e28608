// Package modelstest builds the nets that the tests of the models package
// and of the notebooks' figures inspect.
package modelstest

import (
	"testing"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/models"
)

// Summary returns the spec of the net called name (see models.ByName) and
// its summary built on b (see models.Summarize), failing t if either fails.
func Summary(t testing.TB, b compute.Backend, name string) (models.Spec, models.Summary) {
	t.Helper()
	spec, err := models.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := models.Summarize(b, spec.Build)
	if err != nil {
		t.Fatalf("summarising %s: %v", name, err)
	}
	return spec, s
}
