// Package modelstest builds the nets that the tests of the models package
// and of the notebooks' figures inspect, and the stores they build them on.
package modelstest

import (
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/models"
)

// Summary returns the spec of the net called name (see models.ByName) and
// its summary (see models.Summarize), failing t if either fails.
func Summary(t testing.TB, name string) (models.Spec, models.Summary) {
	t.Helper()
	spec, err := models.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := models.Summarize(spec.Build)
	if err != nil {
		t.Fatalf("summarising %s: %v", name, err)
	}
	return spec, s
}

// Store returns a fresh store whose random initialisation is seeded with 1,
// as models.Forward's is, so that a net built on it starts from the same
// weights every time.
func Store(t testing.TB) *model.Store {
	t.Helper()
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	return store
}
