package seeds_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/seeds"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

func TestMeanSD(t *testing.T) {
	tests := []struct {
		v        []float64
		mean, sd float64
	}{
		{[]float64{98.5}, 98.5, 0},
		{[]float64{1, 2, 3, 4}, 2.5, math.Sqrt(5.0 / 3)},
		{[]float64{98.6, 98.6, 98.6}, 98.6, 0},
	}
	for _, tc := range tests {
		mean, sd := seeds.MeanSD(tc.v)
		if math.Abs(mean-tc.mean) > 1e-9 || math.Abs(sd-tc.sd) > 1e-9 {
			t.Errorf("MeanSD(%v) = %v, %v; want %v, %v", tc.v, mean, sd, tc.mean, tc.sd)
		}
	}
	if m, _ := seeds.MeanSD(nil); !math.IsNaN(m) {
		t.Errorf("MeanSD(nil) mean = %v, want NaN", m)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func history(t *testing.T, dir, net string, seed int64, accs ...float64) {
	t.Helper()
	cfg := training.DefaultConfig(net)
	cfg.Seed, cfg.Epochs = seed, len(accs)
	h := &training.History{Config: cfg}
	for i, a := range accs {
		h.Epochs = append(h.Epochs, training.EpochResult{Epoch: i + 1, TestAccuracy: a / 100})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := h.Save(dir); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	history(t, filepath.Join(dir, "resnet"), "resnet", 1, 98.0, 99.0)
	history(t, filepath.Join(dir, "seeds", "resnet-seed2"), "resnet", 2, 98.5, 98.8)
	write(t, filepath.Join(dir, "pytorch", "resnet-seed1.log"), "torch 2.15.0, resnet, seed 1\n[1,   300] loss: 0.5\naccuracy on test set: 97.90 % (epoch 1, 30 s)\naccuracy on test set: 98.92 % (epoch 2, 30 s)\n")
	write(t, filepath.Join(dir, "pytorch", "inception-seed1.log"), "accuracy on test set: 98.00 %\n")

	goRuns, torchRuns, err := seeds.Load(dir, "resnet", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := goRuns.Finals(); len(got) != 2 || got[0] != 99.0 || math.Abs(got[1]-98.8) > 1e-9 {
		t.Errorf("Go finals %v, want [99 98.8]", got)
	}
	if got := torchRuns.Finals(); len(got) != 1 || got[0] != 98.92 || torchRuns.Runs[0].Seed != 1 {
		t.Errorf("PyTorch runs %+v, want seed 1 at 98.92", torchRuns.Runs)
	}
	if m := goRuns.Mean(); math.Abs(m-98.9) > 1e-9 {
		t.Errorf("Go mean %v, want 98.9", m)
	}

	// A run cut short is an error, not a quiet omission.
	if _, _, err := seeds.Load(dir, "resnet", 3); err == nil || !strings.Contains(err.Error(), "epochs, want 3") {
		t.Errorf("Load with a short run: error %v, want one naming the epochs", err)
	}
}

func TestReadPyTorchLogErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"resnet-seed1.log": "no accuracy here\n",
		"resnet-seed2.log": "accuracy on test set: 123.0 %\n",
		"resnet.log":       "accuracy on test set: 98.0 %\n",
	} {
		p := filepath.Join(dir, name)
		write(t, p, content)
		if _, err := seeds.ReadPyTorchLog(p, "resnet"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestReadPyTorchLogKeepsTheLosses(t *testing.T) {
	p := filepath.Join(t.TempDir(), "inception-seed3.log")
	write(t, p, "torch 2.15.0, inception, seed 3\n[1,   300] loss: 0.797\n[1,   600] loss: 0.168\naccuracy on test set: 97.21 % (epoch 1, 60 s)\n")
	r, err := seeds.ReadPyTorchLog(p, "inception")
	if err != nil {
		t.Fatal(err)
	}
	if r.Seed != 3 || r.History.Config.Seed != 3 || r.History.Config.Model != "inception" || len(r.History.Logs) != 2 || r.History.Logs[1].MeanLoss != 0.168 {
		t.Errorf("got seed %d, history %+v; want seed 3 with two loss lines", r.Seed, r.History)
	}
}
