package charts

import (
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/seeds"
)

func spreadSet(framework string, finals map[int64]float64) seeds.Set {
	s := seeds.Set{Framework: framework, Net: "resnet"}
	for seed := int64(1); seed <= 5; seed++ {
		if f, ok := finals[seed]; ok {
			s.Runs = append(s.Runs, seeds.Run{Seed: seed, Epochs: []float64{97, f}})
		}
	}
	return s
}

func TestSeedSpread(t *testing.T) {
	goSet := spreadSet("Go", map[int64]float64{1: 99.03, 2: 98.9, 3: 98.95})
	ptSet := spreadSet("PyTorch", map[int64]float64{1: 98.92, 4: 99.1})
	fig, err := SeedSpread([]seeds.Set{goSet, ptSet}, SpreadOptions{})
	option := optionOf(t, fig, err)
	for _, want := range []string{
		`"seed 1"`, `"seed 4"`, // the union of the seeds on the axis
		"Go: 98.96 ± 0.07 % (mean ± sd of 3 runs)", "PyTorch: 99.01 ± 0.13 % (mean ± sd of 2 runs)",
		"Go mean 98.96", "PyTorch mean 99.01", "99.03", "99.1",
	} {
		if !strings.Contains(option, want) {
			t.Errorf("the chart's option lacks %q", want)
		}
	}
	if _, err := SeedSpread(nil, SpreadOptions{}); err == nil {
		t.Error("no sets: no error")
	}
	if _, err := SeedSpread([]seeds.Set{{Framework: "Go", Net: "resnet"}}, SpreadOptions{}); err == nil {
		t.Error("an empty set: no error")
	}
	if _, err := SeedSpread([]seeds.Set{goSet}, SpreadOptions{Width: 100, Height: 100}); err == nil {
		t.Error("a tiny chart: no error")
	}
}
