package models_test

import (
	"slices"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/models/modelstest"
)

func TestSummaries(t *testing.T) {
	// Per-layer parameters of the lesson's nets as PyTorch counts them (weights + biases).
	tests := []struct {
		name        string
		params      int
		layerParams map[string]int64
	}{
		{"inception", 97298, map[string]int64{"/conv1": 260, "/conv2": 44020, "/fc": 14090}},
		{"resnet", 41514, map[string]int64{"/conv1": 416, "/conv2": 12832, "/fc": 5130}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, s := modelstest.Summary(t, tc.name)
			if !slices.Equal(s.Output, []int{1, 10}) {
				t.Errorf("output shape %v, want [1 10]", s.Output)
			}
			if s.TrainableParams != tc.params || spec.Params != tc.params {
				t.Errorf("trainable parameters %d (spec says %d), want %d", s.TrainableParams, spec.Params, tc.params)
			}
			if got := s.Table.TotalParams(); got != int64(tc.params) {
				t.Errorf("cost table counts %d parameters, the model created %d", got, tc.params)
			}
			for _, l := range s.Table.Layers {
				if want, ok := tc.layerParams[l.Name]; ok && l.Params != want {
					t.Errorf("layer %s: %d parameters, want %d", l.Name, l.Params, want)
				}
			}
		})
	}
}

func TestByNameUnknown(t *testing.T) {
	if _, err := models.ByName("vgg"); err == nil {
		t.Fatal("ByName(\"vgg\") gave no error")
	}
}
