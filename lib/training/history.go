package training

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/learn-gomlx/advanced-cnn/lib/atomicfile"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
)

// LogLine is the mean training loss of Config.LogEvery consecutive batches,
// the lesson's "[epoch, batch] loss: ..." line.
type LogLine struct {
	Epoch      int     `json:"epoch"`       // 1-based
	Batch      int     `json:"batch"`       // 1-based index of the last batch averaged, within the epoch
	GlobalStep int     `json:"global_step"` // steps since the start of training
	MeanLoss   float64 `json:"mean_loss"`
}

// String formats the line as the lesson prints it: "[1,   300] loss: 0.797".
func (l LogLine) String() string {
	return fmt.Sprintf("[%d, %5d] loss: %.3f", l.Epoch, l.Batch, l.MeanLoss)
}

// EpochResult is what one epoch produced.
type EpochResult struct {
	Epoch         int     `json:"epoch"` // 1-based
	Steps         int     `json:"steps"`
	TrainLoss     float64 `json:"train_loss"`     // mean batch loss over the epoch
	TrainAccuracy float64 `json:"train_accuracy"` // fraction of training images classified right during the epoch
	TestLoss      float64 `json:"test_loss"`
	TestAccuracy  float64 `json:"test_accuracy"` // fraction of test images classified right after the epoch
	TrainSeconds  float64 `json:"train_seconds"` // wall time of the epoch's training steps
	EvalSeconds   float64 `json:"eval_seconds"`  // wall time of the evaluation on the test set
	MedianStepMs  float64 `json:"median_step_ms"`
}

// String formats the epoch as a short report, with the lesson's accuracy line.
func (e EpochResult) String() string {
	return fmt.Sprintf("accuracy on test set: %.2f %% (epoch %d: train loss %.4f, train accuracy %.2f %%, test loss %.4f; %.1f s, %.1f ms/step)",
		100*e.TestAccuracy, e.Epoch, e.TrainLoss, 100*e.TrainAccuracy, e.TestLoss, e.TrainSeconds+e.EvalSeconds, e.MedianStepMs)
}

// History is the record of a training run.
type History struct {
	Config  Config        `json:"config"`
	Backend string        `json:"backend"` // the GoMLX backend that ran it, e.g. "xla:cpu"
	Device  string        `json:"device"`  // the backend's description of its device
	Train   int           `json:"train_examples"`
	Test    int           `json:"test_examples"`
	Logs    []LogLine     `json:"logs"`
	Epochs  []EpochResult `json:"epochs"`
}

// Final returns the last epoch's result, or false if no epoch finished.
func (h *History) Final() (EpochResult, bool) {
	if len(h.Epochs) == 0 {
		return EpochResult{}, false
	}
	return h.Epochs[len(h.Epochs)-1], true
}

// Save writes the history to dir as history.json, epochs.csv and losses.csv,
// each replaced atomically.
func (h *History) Save(dir string) error {
	js, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, layout.HistoryFile), append(js, '\n'), 0o644); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
	epochs := [][]string{{"epoch", "steps", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
		"train_seconds", "eval_seconds", "median_step_ms"}}
	for _, e := range h.Epochs {
		epochs = append(epochs, []string{strconv.Itoa(e.Epoch), strconv.Itoa(e.Steps), f(e.TrainLoss),
			f(e.TrainAccuracy), f(e.TestLoss), f(e.TestAccuracy), f(e.TrainSeconds), f(e.EvalSeconds), f(e.MedianStepMs)})
	}
	losses := [][]string{{"epoch", "batch", "global_step", "mean_loss"}}
	for _, l := range h.Logs {
		losses = append(losses, []string{strconv.Itoa(l.Epoch), strconv.Itoa(l.Batch), strconv.Itoa(l.GlobalStep), f(l.MeanLoss)})
	}
	for name, rows := range map[string][][]string{layout.EpochsFile: epochs, layout.LossesFile: losses} {
		var buf bytes.Buffer
		if err := csv.NewWriter(&buf).WriteAll(rows); err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// LoadHistory reads a history.json written by Save.
func LoadHistory(path string) (*History, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h := &History{}
	if err := json.Unmarshal(data, h); err != nil {
		return nil, fmt.Errorf("%s is not a training history: %w", path, err)
	}
	return h, nil
}
