package lesson

import (
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
)

func TestEnvInt(t *testing.T) {
	tests := []struct {
		value   string
		def     int
		want    int
		wantErr bool
	}{
		{"", 10, 10, false}, {"3", 10, 3, false}, {"0", 10, 0, false},
		{"-1", 10, 0, true}, {"ten", 10, 0, true}, {"2.5", 10, 0, true},
	}
	for _, tc := range tests {
		t.Setenv("ADVCNN_TEST_VAR", tc.value)
		got, err := EnvInt("ADVCNN_TEST_VAR", tc.def)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("EnvInt with %q = %d, %v; want %d, error %v", tc.value, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "ADVCNN_TEST_VAR") {
			t.Errorf("error %q does not name the variable", err)
		}
	}
}

func TestRecipe(t *testing.T) {
	tests := []struct {
		quick, epochs string
		trainImages   int
		wantEpochs    int
		wantLogEvery  int
	}{
		{"", "", 60000, 10, 300},      // the lesson
		{"", "1", 60000, 1, 300},      // fewer epochs, full data
		{"", "2", 3000, 2, 15},        // 47 steps an epoch: a line every 15
		{"", "1", 64, 1, 1},           // a single step
		{"1", "", 60000, 1, 300},      // quick mode: one epoch on all the images
		{"true", "", 60000, 1, 300},   // quick mode, spelt out
		{"0", "", 60000, 10, 300},     // quick mode off: the lesson
		{"1", "3", 60000, 3, 300},     // ADVCNN_EPOCHS wins over quick mode
		{"false", "2", 60000, 2, 300}, // and over the lesson's 10
	}
	for _, tc := range tests {
		t.Setenv(EnvQuick, tc.quick)
		t.Setenv(EnvEpochs, tc.epochs)
		cfg, err := Recipe("resnet", tc.trainImages)
		if err != nil || cfg.Epochs != tc.wantEpochs || cfg.LogEvery != tc.wantLogEvery || cfg.BatchSize != 64 || cfg.LearningRate != 0.01 {
			t.Errorf("Recipe(quick %q, epochs %q, %d images) = %+v, %v; want %d epochs, a log every %d",
				tc.quick, tc.epochs, tc.trainImages, cfg, err, tc.wantEpochs, tc.wantLogEvery)
		}
	}
	t.Setenv(EnvQuick, "")
	t.Setenv(EnvEpochs, "0")
	if _, err := Recipe("resnet", 60000); err == nil {
		t.Error("0 epochs was accepted")
	}
	t.Setenv(EnvEpochs, "")
	t.Setenv(EnvQuick, "yes please")
	if _, err := Recipe("resnet", 60000); err == nil || !strings.Contains(err.Error(), EnvQuick) {
		t.Errorf("ADVCNN_QUICK=%q: error %v, want one that names %s", "yes please", err, EnvQuick)
	}
}

func TestBenchBatch(t *testing.T) {
	t.Setenv(EnvBenchBatch, "")
	if n, err := BenchBatch(); n != 64 || err != nil {
		t.Errorf("default BenchBatch = %d, %v; want 64", n, err)
	}
	t.Setenv(EnvBenchBatch, "0")
	if _, err := BenchBatch(); err == nil {
		t.Error("batch 0 was accepted")
	}
}

func TestLoadMNISTWithLimits(t *testing.T) {
	t.Setenv(EnvTrainLimit, "100")
	t.Setenv(EnvTestLimit, "20")
	trainSet, testSet, err := LoadMNIST()
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, mnist.ErrMissing) {
		t.Skipf("MNIST is not installed (run `make setup`): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if trainSet.N != 100 || testSet.N != 20 || trainSet.Labels[0] != 5 || testSet.Labels[0] != 7 {
		t.Errorf("loaded %d and %d images, first labels %d and %d; want 100, 20, 5, 7",
			trainSet.N, testSet.N, trainSet.Labels[0], testSet.Labels[0])
	}
	t.Setenv(EnvTrainLimit, "lots")
	if _, _, err := LoadMNIST(); err == nil {
		t.Error("a malformed limit was accepted")
	}
}

func TestReferenceRun(t *testing.T) {
	for _, model := range []string{"inception", "resnet"} {
		run, err := ReferenceRun(model)
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		if run.History == nil || len(run.History.Epochs) != 10 || run.History.Config.Model != model || !run.Dashed {
			t.Errorf("%s: reference run %+v is not the committed 10-epoch history", model, run)
		}
	}
	if _, err := ReferenceRun("vgg"); err == nil {
		t.Error("a missing reference run gave no error")
	}
}

func TestBackendPrintsItsLine(t *testing.T) {
	var out bytes.Buffer
	b, choice, err := Backend(&out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if out.String() != choice.String()+"\n" || !strings.HasPrefix(out.String(), "backend ") {
		t.Errorf("Backend printed %q, want one line starting with \"backend \"", out.String())
	}
}
