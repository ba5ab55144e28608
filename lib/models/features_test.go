package models_test

import (
	"testing"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/models/modelstest"
)

func TestFirstInceptionBranches(t *testing.T) {
	image := make([]float32, 28*28)
	for i := range image {
		image[i] = float32(i%28) / 28
	}
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		store := modelstest.Store(t)
		maps, err := models.FeatureMaps(b, store, models.FirstInceptionBranches, image)
		if err != nil {
			t.Fatal(err)
		}
		want := []int{16, 24, 24, 24}
		if len(maps) != len(want) {
			t.Fatalf("%d branches, want 4", len(maps))
		}
		for i, group := range maps {
			if len(group) != want[i] {
				t.Errorf("branch %s: %d maps, want %d", models.BranchNames[i], len(group), want[i])
			}
			for _, m := range group {
				if m.Width != 12 || m.Height != 12 || len(m.Pixels) != 144 {
					t.Fatalf("branch %s: a %dx%d map of %d values, want 12x12", models.BranchNames[i], m.Width, m.Height, len(m.Pixels))
				}
			}
		}
		// The maps are the first block's: the same weights give the Inception net's variables.
		if store.GetVariable("/incep1/branch5x5_2/weight") == nil || store.GetVariable("/incep2/branch1x1/weight") != nil {
			t.Error("FirstInceptionBranches should create the net's conv1 and incep1 weights, and no others")
		}
		if _, err := models.FeatureMaps(b, store, models.FirstInceptionBranches, image[:100]); err == nil {
			t.Error("an image of 100 pixels: no error")
		}
	})
}
