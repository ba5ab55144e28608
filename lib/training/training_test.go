package training_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/command/commandtest"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
	"github.com/learn-gomlx/advanced-cnn/lib/training/trainingtest"
)

// synthetic is trainingtest.Synthetic.
var synthetic = trainingtest.Synthetic

func TestEpochOrder(t *testing.T) {
	a, b := training.EpochOrder(1, 1, 100), training.EpochOrder(1, 1, 100)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed and epoch gave different orders")
	}
	if slices.Equal(a, training.EpochOrder(1, 2, 100)) || slices.Equal(a, training.EpochOrder(2, 1, 100)) {
		t.Fatal("different epochs or seeds gave the same order")
	}
	sorted := slices.Clone(a)
	slices.Sort(sorted)
	for i, v := range sorted {
		if v != i {
			t.Fatalf("not a permutation of 0..99: %v", a)
		}
	}
}

// comparable strips the wall times, which legitimately differ between runs.
func comparable(h *training.History) ([]training.LogLine, []training.EpochResult) {
	epochs := slices.Clone(h.Epochs)
	for i := range epochs {
		epochs[i].TrainSeconds, epochs[i].EvalSeconds, epochs[i].MedianStepMs = 0, 0, 0
	}
	return h.Logs, epochs
}

func TestResumeGivesTheSameHistory(t *testing.T) {
	trainSet, testSet := synthetic(200, 1), synthetic(70, 2)
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		cfg := trainingtest.SmallConfig("resnet", 2)
		whole, err := training.Train(b, cfg, trainSet, testSet, training.Options{OutDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if len(whole.Epochs) != 2 || len(whole.Logs) != 4 { // 4 steps per epoch (3 of 64, one of 8), a line every 2
			t.Fatalf("uninterrupted run: %d epochs, %d log lines; want 2 and 4", len(whole.Epochs), len(whole.Logs))
		}
		if e := whole.Epochs[0]; e.Steps != 4 || e.TestAccuracy < 0 || e.TestAccuracy > 1 || e.TrainLoss <= 0 {
			t.Fatalf("implausible epoch result %+v", e)
		}

		// Kill the second run in the middle of epoch 2: the hook fails at its 3rd step.
		dir := t.TempDir()
		killed := errors.New("killed")
		_, err = training.Train(b, cfg, trainSet, testSet, training.Options{OutDir: dir, Hooks: training.Hooks{
			OnStep: func(p training.Progress) error {
				if p.Epoch == 2 && p.Step == 3 {
					return killed
				}
				return nil
			}}})
		if !errors.Is(err, killed) {
			t.Fatalf("interrupted run: error %v, want %v", err, killed)
		}
		ckpt, err := training.LoadCheckpoint(dir)
		if err != nil || ckpt.Epoch() != 1 {
			t.Fatalf("after the interruption the checkpoint should hold epoch 1: %v, %v", ckpt, err)
		}
		resumed, err := training.Train(b, cfg, trainSet, testSet, training.Options{OutDir: dir, Resume: true})
		if err != nil {
			t.Fatal(err)
		}
		wantLogs, wantEpochs := comparable(whole)
		gotLogs, gotEpochs := comparable(resumed)
		if !slices.Equal(gotLogs, wantLogs) || !slices.Equal(gotEpochs, wantEpochs) {
			t.Errorf("resumed history differs from the uninterrupted one:\n got %+v\n     %+v\nwant %+v\n     %+v",
				gotLogs, gotEpochs, wantLogs, wantEpochs)
		}
		saved, err := training.LoadHistory(filepath.Join(dir, layout.HistoryFile))
		if err != nil || len(saved.Epochs) != 2 {
			t.Errorf("history.json after resuming: %v epochs, %v", len(saved.Epochs), err)
		}
	})
}

func TestRefusesToLoseSavedWork(t *testing.T) {
	trainSet, testSet := synthetic(70, 1), synthetic(20, 2)
	b := backendtest.Get(t, "go")
	dir := t.TempDir()
	if _, err := training.Train(b, trainingtest.SmallConfig("resnet", 1), trainSet, testSet, training.Options{OutDir: dir}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, training.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	notADir := commandtest.PlainFile(t)
	corrupt := t.TempDir()
	os.WriteFile(filepath.Join(corrupt, training.CheckpointFile), []byte("half a checkpoint"), 0o644)

	tests := []struct {
		name string
		cfg  training.Config
		opts training.Options
		want string
	}{
		{"existing checkpoint without -resume", trainingtest.SmallConfig("resnet", 2), training.Options{OutDir: dir}, "pass -resume"},
		{"checkpoint of the other model", trainingtest.SmallConfig("inception", 2), training.Options{OutDir: dir, Resume: true}, `model "resnet"`},
		{"different seed", func() training.Config { c := trainingtest.SmallConfig("resnet", 2); c.Seed = 9; return c }(), training.Options{OutDir: dir, Resume: true}, "same settings"},
		{"fewer epochs than done", trainingtest.SmallConfig("resnet", 0), training.Options{OutDir: dir, Resume: true}, "epochs"},
		{"-resume without checkpoint", trainingtest.SmallConfig("resnet", 1), training.Options{OutDir: t.TempDir(), Resume: true}, "no checkpoint"},
		{"damaged checkpoint", trainingtest.SmallConfig("resnet", 1), training.Options{OutDir: corrupt, Resume: true}, "damaged"},
		{"output folder is a file", trainingtest.SmallConfig("resnet", 1), training.Options{OutDir: notADir}, "can't be created"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := training.Train(b, tc.cfg, trainSet, testSet, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
			after, _ := os.ReadFile(filepath.Join(dir, training.CheckpointFile))
			if !bytes.Equal(before, after) {
				t.Fatal("the saved checkpoint was changed")
			}
		})
	}
}

func TestMalformedDataIsAClearError(t *testing.T) {
	good := synthetic(10, 1)
	short := synthetic(10, 1)
	short.Pixels = short.Pixels[:100]
	badLabel := synthetic(10, 1)
	badLabel.Labels[3] = 12
	b := backendtest.Get(t, "go")
	tests := []struct {
		name        string
		train, test *mnist.Dataset
		want        string
	}{
		{"no training set", nil, good, "training set is empty"},
		{"empty test set", good, &mnist.Dataset{}, "test set is empty"},
		{"images of the wrong shape", short, good, "malformed"},
		{"label out of range", good, badLabel, "label 12 at index 3"},
	}
	for _, tc := range tests {
		_, err := training.Train(b, trainingtest.SmallConfig("resnet", 1), tc.train, tc.test, training.Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestDivergenceStopsWithAClearError(t *testing.T) {
	trainSet, testSet := synthetic(64, 1), synthetic(10, 2)
	spec, err := models.ByName("resnet")
	if err != nil {
		t.Fatal(err)
	}
	blownUp := func(scope *model.Scope, x *graph.Node) *graph.Node {
		return spec.Build(scope, graph.MulScalar(x, 1e38)) // overflows to infinity in the first convolution
	}
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		_, err := training.Train(b, trainingtest.SmallConfig("resnet", 1), trainSet, testSet, training.Options{Model: blownUp})
		if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "step 1") ||
			!strings.Contains(err.Error(), "learning rate 0.01") {
			t.Fatalf("error %v, want divergence at step 1 naming the learning rate", err)
		}
	})
}
