package training

import (
	"strings"
	"testing"
)

func TestReadLessonLog(t *testing.T) {
	log := `torch 2.15.0+cu132, resnet, seed 1, 1 thread(s)
[1,   300] loss: 0.495
[1,   600] loss: 0.156
[1,   900] loss: 0.118
accuracy on test set: 97.54 % (epoch 1, 27.0 s)
[2,   300] loss: 0.089
accuracy on test set: 98.34 % 
`
	h, err := ReadLessonLog(strings.NewReader(log), "resnet")
	if err != nil {
		t.Fatal(err)
	}
	if h.Config.Model != "resnet" || h.Backend != "pytorch" || len(h.Logs) != 4 || len(h.Epochs) != 2 {
		t.Fatalf("got %+v", h)
	}
	if l := h.Logs[3]; l.Epoch != 2 || l.Batch != 300 || l.GlobalStep != 938+300 || l.MeanLoss != 0.089 {
		t.Errorf("last loss line %+v, want epoch 2, batch 300, step 1238, loss 0.089", l)
	}
	if e := h.Epochs[1]; e.Epoch != 2 || e.Steps != 938 || e.TestAccuracy != 0.9834 {
		t.Errorf("epoch 2 %+v, want 938 steps at 98.34 %%", e)
	}
}

func TestReadLessonLogErrors(t *testing.T) {
	tests := []struct{ name, log, want string }{
		{"no accuracy", "[1,   300] loss: 0.5\n", "not a log of the lesson's code"},
		{"accuracy over 100", "accuracy on test set: 123.0 %\n", "bad accuracy"},
		{"epoch skipped", "[1,   300] loss: 0.5\naccuracy on test set: 97.0 %\n[3,   300] loss: 0.1\n", "does not continue epoch 2"},
		{"batch beyond the epoch", "[1,  2000] loss: 0.5\n", "does not continue epoch 1"},
	}
	for _, tc := range tests {
		_, err := ReadLessonLog(strings.NewReader(tc.log), "inception")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
