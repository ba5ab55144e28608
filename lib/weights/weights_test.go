package weights

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/evaluate"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
	"github.com/learn-gomlx/advanced-cnn/lib/training/trainingtest"
)

// A run's checkpoint exported and loaded back predicts exactly what the
// trained store predicts, and every kind of damage is a clear error.
func TestExportAndLoadWeights(t *testing.T) {
	trainSet, testSet := trainingtest.Synthetic(130, 1), trainingtest.Synthetic(40, 2)
	b := backendtest.Get(t, "go")
	run := t.TempDir()
	store := model.NewStore()
	h, err := training.Train(b, smallConfig("resnet", 1), trainSet, testSet, training.Options{OutDir: run, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ckpt, err := training.LoadCheckpoint(run)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Export(ckpt, dir); err != nil {
		t.Fatal(err)
	}
	spec, _ := models.ByName("resnet")
	w, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	fp, _ := HistoryFingerprint(h)
	final, _ := h.Final()
	if w.Index.Params != spec.Params || w.Index.Model != "resnet" || w.Index.HistorySHA256 != fp ||
		w.Index.TestAccuracy != final.TestAccuracy || w.Index.Bytes != 4*spec.Params {
		t.Errorf("index %+v does not describe the run (want %d parameters, history %s)", w.Index, spec.Params, fp)
	}
	loaded, err := w.Store(b, spec.Build)
	if err != nil {
		t.Fatal(err)
	}
	want, err := evaluate.Predict(b, store, spec.Build, testSet, 40)
	if err != nil {
		t.Fatal(err)
	}
	got, err := evaluate.Predict(b, loaded, spec.Build, testSet, 40)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the loaded weights predict %v, the trained store %v", got, want)
	}

	// The export refuses to write beside another run's history.
	other := t.TempDir()
	h2 := *h
	h2.Epochs = slices.Clone(h.Epochs)
	h2.Epochs[0].TestAccuracy += 0.01
	if err := h2.Save(other); err != nil {
		t.Fatal(err)
	}
	if err := Export(ckpt, other); err == nil || !strings.Contains(err.Error(), "not the checkpoint's run") {
		t.Errorf("export beside another run's history: error %v", err)
	}
	if _, err := os.Stat(filepath.Join(other, layout.WeightsFile)); err == nil {
		t.Error("the refused export wrote weights")
	}
	// Beside its own history it is fine.
	if err := Export(ckpt, run); err != nil {
		t.Errorf("export beside its own history: %v", err)
	}

	bin, _ := os.ReadFile(filepath.Join(dir, layout.WeightsFile))
	idx, _ := os.ReadFile(filepath.Join(dir, layout.WeightsIndexFile))
	damage := []struct {
		name  string
		bin   func([]byte) []byte // nil: delete the file
		index func([]byte) []byte
		want  string
	}{
		{"one byte changed", func(b []byte) []byte { b = slices.Clone(b); b[100] ^= 1; return b }, keep, "corrupt"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-4] }, keep, "truncated"},
		{"weights missing", nil, keep, "is missing"},
		{"index not JSON", keep, func([]byte) []byte { return []byte("{half") }, "damaged"},
		{"index of another format", keep, func(b []byte) []byte {
			return []byte(strings.Replace(string(b), weightsFormat, "other v9", 1))
		}, "not an index"},
		{"index missing", keep, nil, "no trained weights"},
	}
	for _, tc := range damage {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			if tc.bin != nil {
				os.WriteFile(filepath.Join(d, layout.WeightsFile), tc.bin(bin), 0o644)
			}
			if tc.index != nil {
				os.WriteFile(filepath.Join(d, layout.WeightsIndexFile), tc.index(idx), 0o644)
			}
			_, err := Load(d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
			if tc.index == nil && !errors.Is(err, ErrNoWeights) {
				t.Errorf("a missing index should wrap ErrNoWeights: %v", err)
			}
		})
	}

	// Weights of one net don't load into another.
	inception, _ := models.ByName("inception")
	if _, err := w.Store(b, inception.Build); err == nil || !strings.Contains(err.Error(), "don't fit") {
		t.Errorf("resnet weights into the Inception net: error %v, want one saying they don't fit", err)
	}
	plain, _ := models.ByName("plain-2")
	if _, err := w.Store(b, plain.Build); err == nil || !strings.Contains(err.Error(), "different net") {
		t.Errorf("resnet weights into plain-2: error %v, want one saying they come from a different net", err)
	}
}

func keep(b []byte) []byte { return b }

// smallConfig is the lesson's recipe shortened for tests.
func smallConfig(model string, epochs int) training.Config {
	cfg := training.DefaultConfig(model)
	cfg.Epochs, cfg.LogEvery, cfg.EvalBatchSize = epochs, 2, 64
	return cfg
}
