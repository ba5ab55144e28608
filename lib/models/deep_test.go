package models_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
)

func TestDeepNets(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, depth := range []int{2, 6} {
			for _, kind := range []string{"plain", "residual"} {
				name := fmt.Sprintf("%s-%d", kind, depth)
				t.Run(name, func(t *testing.T) {
					spec, err := models.ByName(name)
					if err != nil {
						t.Fatal(err)
					}
					s, err := models.Summarize(b, spec.Build)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(s.Output, []int{1, 10}) {
						t.Errorf("output shape %v, want [1 10]", s.Output)
					}
					// stem 8·9+8, each layer 8·8·9+8, fc 8·7·7·10+10
					want := 80 + depth*584 + 3930
					if s.TrainableParams != want || spec.Params != want || models.DeepParams(depth) != want {
						t.Errorf("%d trainable parameters (spec %d, DeepParams %d), want %d", s.TrainableParams, spec.Params, models.DeepParams(depth), want)
					}
					convs := 0
					for _, l := range s.Table.Layers {
						if l.Kind == "conv 3x3" {
							convs++
							if !slices.Equal(l.OutShape, []int{8, 28, 28}) && !slices.Equal(l.OutShape, []int{8, 14, 14}) {
								t.Errorf("layer %s has output %v", l.Name, l.OutShape)
							}
						}
					}
					if convs != depth+1 {
						t.Errorf("%d 3x3 convolutions, want the stem and %d", convs, depth)
					}
				})
			}
		}
	})
}

func TestDeepNetNames(t *testing.T) {
	tests := []struct{ name, want string }{
		{"residual-3", "must be even"},
		{"plain-0", "between 1 and"},
		{"plain-1000", "between 1 and"},
		{"plain-x", "whole number"},
		{"deep-4", "unknown model"},
	}
	for _, tc := range tests {
		if _, err := models.ByName(tc.name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ByName(%q): error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	if _, err := models.PlainNet(0); err == nil {
		t.Error("PlainNet(0) gave no error")
	}
	if _, err := models.DeepResidualNet(5); err == nil {
		t.Error("DeepResidualNet(5) gave no error")
	}
}
