package lesson

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/evaluate"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist/mnisttest"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
	"github.com/learn-gomlx/advanced-cnn/lib/training/trainingtest"
	"github.com/learn-gomlx/advanced-cnn/lib/weights"
)

// exportedRun trains model for one short epoch into a folder holding its
// history.json and its exported weights, as plots/<model> does, and loads
// the net back from there with pretrainedIn.
func exportedRun(t *testing.T, b compute.Backend, name string) (dir string, store *model.Store, net *Net) {
	t.Helper()
	run := t.TempDir()
	cfg := training.DefaultConfig(name)
	cfg.Epochs, cfg.LogEvery, cfg.EvalBatchSize = 1, 1, 20
	store = model.NewStore()
	d := trainingtest.Synthetic(40, 1)
	if _, err := training.Train(b, cfg, d, d, training.Options{OutDir: run, Store: store}); err != nil {
		t.Fatal(err)
	}
	ckpt, err := training.LoadCheckpoint(run)
	if err != nil {
		t.Fatal(err)
	}
	if err := weights.Export(ckpt, run); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(run, training.CheckpointFile))
	if net, err = pretrainedIn(b, run, name); err != nil {
		t.Fatal(err)
	}
	return run, store, net
}

func TestPretrainedIn(t *testing.T) {
	b := backendtest.Get(t, "go")
	dir, store, net := exportedRun(t, b, "resnet")
	d := trainingtest.Synthetic(20, 1)
	want, _ := evaluate.Predict(b, store, net.Spec.Build, d, 20)
	got, err := evaluate.Predict(b, net.Store, net.Spec.Build, d, 20)
	if err != nil || len(got) != 20 || !slices.Equal(got, want) {
		t.Errorf("the loaded net predicts %v (%v), the trained one %v", got, err, want)
	}

	copyRun := func(t *testing.T, change func(dir string)) string {
		t.Helper()
		c := t.TempDir()
		for _, f := range []string{layout.HistoryFile, layout.WeightsFile, layout.WeightsIndexFile} {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(c, f), data, 0o644)
		}
		change(c)
		return c
	}
	tests := []struct {
		name   string
		model  string
		change func(dir string)
		want   string
	}{
		{"weights missing", "resnet", func(d string) { os.Remove(filepath.Join(d, layout.WeightsIndexFile)) }, "no trained weights of resnet"},
		{"weights corrupt", "resnet", func(d string) {
			p := filepath.Join(d, layout.WeightsFile)
			data, _ := os.ReadFile(p)
			data[7] ^= 0x40
			os.WriteFile(p, data, 0o644)
		}, "corrupt"},
		{"history of another run", "resnet", func(d string) {
			h, _ := training.LoadHistory(filepath.Join(d, layout.HistoryFile))
			h.Epochs[0].TestLoss *= 1.5
			h.Save(d)
		}, "another run"},
		{"history missing", "resnet", func(d string) { os.Remove(filepath.Join(d, layout.HistoryFile)) }, "can't be matched"},
		{"asked for another model", "inception", func(string) {}, `weights of "resnet", not "inception"`},
		{"unknown model", "vgg", func(string) {}, "unknown model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pretrainedIn(b, copyRun(t, tc.change), tc.model)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
			if tc.name == "weights missing" && !errors.Is(err, weights.ErrNoWeights) {
				t.Errorf("missing weights should wrap weights.ErrNoWeights: %v", err)
			}
		})
	}
}

// The committed weights are the reference runs' own: on the full MNIST test
// set they give the test accuracy that plots/<name>/history.json records.
func TestPretrainedCommitted(t *testing.T) {
	// The pure-Go backend takes many minutes over 10,000 images; the
	// cross-backend tests already show that it computes what XLA does.
	if !slices.Contains(backendtest.Configs(t), "xla:cpu") {
		t.Skip("the full test set needs the XLA CPU plugin: run `make setup` (CI always has it)")
	}
	testSet := mnisttest.Load(t, mnist.Test)
	b := backendtest.Get(t, "xla:cpu")
	for _, name := range []string{"inception", "resnet"} {
		net, err := Pretrained(b, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if net.Weights.Params != net.Spec.Params {
			t.Errorf("%s: %d weights, the net has %d parameters", name, net.Weights.Params, net.Spec.Params)
		}
		e, err := Evaluate(b, net.Store, net.Spec.Build, testSet)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := e.Confusion.Accuracy()
		// One test image is 0.0001; the run's own evaluation may differ from
		// this backend's by the rounding of a logit or two.
		if math.Abs(got-net.Weights.TestAccuracy) > 0.00025 {
			t.Errorf("%s: the committed weights give %.2f %% on the test set, their run recorded %.2f %%",
				name, 100*got, 100*net.Weights.TestAccuracy)
		}
		t.Logf("%s: %.2f %% on %d test images (the run recorded %.2f %%)", name, 100*got, e.Confusion.Total(), 100*net.Weights.TestAccuracy)
	}
}

func TestEvaluate(t *testing.T) {
	b := backendtest.Get(t, "go")
	_, _, net := exportedRun(t, b, "resnet")
	d := trainingtest.Synthetic(30, 1)
	e, err := Evaluate(b, net.Store, net.Spec.Build, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Pred) != 30 || e.Confusion.Total() != 30 {
		t.Fatalf("%d predictions, %d counted; want 30", len(e.Pred), e.Confusion.Total())
	}
	if err := e.Show("residual net", 12); err != nil {
		t.Errorf("Show: %v", err)
	}
}

func TestExplorerIdle(t *testing.T) {
	tests := []struct {
		env     string
		want    time.Duration
		wantErr bool
	}{{"", 5 * time.Minute, false}, {"7", 7 * time.Second, false}, {"0", 0, true}, {"soon", 0, true}}
	for _, tc := range tests {
		t.Setenv(EnvExplorerIdle, tc.env)
		got, err := ExplorerIdle()
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("%s=%q: %v, %v; want %v, error %v", EnvExplorerIdle, tc.env, got, err, tc.want, tc.wantErr)
		}
	}
}
