package training

import (
	"math"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/errtest"
)

// TestValidate is inside package training: it also checks parts, which
// NewTrainer builds from a valid Config.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"lesson's recipe", func(*Config) {}, ""},
		{"unknown model", func(c *Config) { c.Model = "vgg" }, "unknown model"},
		{"zero epochs", func(c *Config) { c.Epochs = 0 }, "epochs"},
		{"negative batch", func(c *Config) { c.BatchSize = -1 }, "batch size"},
		{"batch larger than MNIST", func(c *Config) { c.BatchSize = 60001 }, "batch size"},
		{"zero eval batch", func(c *Config) { c.EvalBatchSize = 0 }, "evaluation batch"},
		{"zero learning rate", func(c *Config) { c.LearningRate = 0 }, "learning rate"},
		{"NaN learning rate", func(c *Config) { c.LearningRate = math.NaN() }, "learning rate"},
		{"infinite learning rate", func(c *Config) { c.LearningRate = math.Inf(1) }, "learning rate"},
		{"huge learning rate", func(c *Config) { c.LearningRate = 100 }, "learning rate"},
		{"momentum 1", func(c *Config) { c.Momentum = 1 }, "momentum"},
		{"negative momentum", func(c *Config) { c.Momentum = -0.1 }, "momentum"},
		{"zero log interval", func(c *Config) { c.LogEvery = 0 }, "log interval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig("resnet")
			tc.change(&cfg)
			err := cfg.Validate()
			errtest.Want(t, err, tc.want)
			// The one validation that also builds the net and the optimiser
			// gives the same verdict, and builds both when it passes.
			p, perr := cfg.parts()
			if (perr == nil) != (err == nil) || (perr == nil && (p.spec.Build == nil || p.sgd == nil)) {
				t.Errorf("parts() = %+v, %v; Validate %v", p, perr, err)
			}
			if tc.want != "" {
				if _, err := NewTrainer(nil, nil, cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("NewTrainer error %v, want one mentioning %q", err, tc.want)
				}
			}
		})
	}
}
