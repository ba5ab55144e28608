package lessonlog

import (
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
)

func TestRead(t *testing.T) {
	log := `torch 2.15.0+cu132, resnet, seed 1, 1 thread(s)
[1,   300] loss: 0.495
[1,   600] loss: 0.156
[1,   900] loss: 0.118
accuracy on test set: 97.54 % (epoch 1, 27.0 s)
[2,   300] loss: 0.089
accuracy on test set: 98.34 % 
`
	h, err := Read(strings.NewReader(log), "resnet")
	if err != nil {
		t.Fatal(err)
	}
	if h.Config.Model != "resnet" || h.Backend != "pytorch" || len(h.Logs) != 4 || len(h.Epochs) != 2 {
		t.Fatalf("got %+v", h)
	}
	if l := h.Logs[3]; l.Epoch != 2 || l.Batch != 300 || l.GlobalStep != recipe.StepsPerEpoch+300 || l.MeanLoss != 0.089 {
		t.Errorf("last loss line %+v, want epoch 2, batch 300, step 1238, loss 0.089", l)
	}
	if e := h.Epochs[1]; e.Epoch != 2 || e.Steps != recipe.StepsPerEpoch || e.TestAccuracy != 0.9834 {
		t.Errorf("epoch 2 %+v, want 938 steps at 98.34 %%", e)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct{ name, log, want string }{
		{"no accuracy", "[1,   300] loss: 0.5\n", "not a log of the lesson's code"},
		{"accuracy over 100", "accuracy on test set: 123.0 %\n", "bad accuracy"},
		{"epoch skipped", "[1,   300] loss: 0.5\naccuracy on test set: 97.0 %\n[3,   300] loss: 0.1\n", "does not continue epoch 2"},
		{"batch beyond the epoch", "[1,  2000] loss: 0.5\n", "does not continue epoch 1"},
	}
	for _, tc := range tests {
		_, err := Read(strings.NewReader(tc.log), "inception")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// The lesson's log, kept as text, reads as the figures the lesson prints.
func TestLesson(t *testing.T) {
	h, err := Lesson()
	if err != nil {
		t.Fatal(err)
	}
	if h.Config.Model != "inception" || h.Backend != "pytorch" || h.Device != LessonDevice || h.Train != recipe.TrainImages || h.Test != recipe.TestImages {
		t.Errorf("history %+v", h)
	}
	if len(h.Logs) != 30 || len(h.Epochs) != 10 {
		t.Fatalf("%d loss lines and %d epochs, want 30 and 10", len(h.Logs), len(h.Epochs))
	}
	first, last := 97.21, 98.96 // percent, divided at run time as the hand-typed table was
	tests := []struct {
		name      string
		got, want float64
	}{
		{"first loss", h.Logs[0].MeanLoss, 0.797},
		{"last loss", h.Logs[29].MeanLoss, 0.031},
		{"first accuracy", h.Epochs[0].TestAccuracy, first / 100},
		{"last accuracy", h.Epochs[9].TestAccuracy, last / 100},
		{"last loss's step", float64(h.Logs[29].GlobalStep), 9*recipe.StepsPerEpoch + 900},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}
