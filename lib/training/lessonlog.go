package training

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

var (
	lessonLossLine     = regexp.MustCompile(`^\[\s*([0-9]+),\s*([0-9]+)\] loss: ([0-9.eE+-]+)`)
	lessonAccuracyLine = regexp.MustCompile(`^accuracy on test set: ([0-9.]+) %`)
)

// ReadLessonLog reads a training log printed by the lesson's PyTorch code
// (plots/pytorch/lesson_run.py prints the same lines): "[epoch, batch] loss:
// x", the mean loss of the last 300 batches, and "accuracy on test set: X %"
// after each epoch. Other lines are skipped. The history is that of model
// with the lesson's recipe (DefaultConfig) on all 60,000 training and 10,000
// test images, on backend "pytorch"; figures the log does not print (test
// loss, timings) are zero.
//
// A loss line out of order, an accuracy outside 0–100 %, or a log without an
// accuracy line is an error.
func ReadLessonLog(r io.Reader, model string) (*History, error) {
	h := &History{Config: DefaultConfig(model), Backend: "pytorch", Train: 60000, Test: 10000}
	stepsPerEpoch := (h.Train + h.Config.BatchSize - 1) / h.Config.BatchSize
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := lessonLossLine.FindStringSubmatch(line); m != nil {
			epoch, _ := strconv.Atoi(m[1])
			batch, _ := strconv.Atoi(m[2])
			loss, err := strconv.ParseFloat(m[3], 64)
			if err != nil || epoch != len(h.Epochs)+1 || batch < 1 || batch > stepsPerEpoch {
				return nil, fmt.Errorf("line %d: %q does not continue epoch %d", n, line, len(h.Epochs)+1)
			}
			h.Logs = append(h.Logs, LogLine{Epoch: epoch, Batch: batch, GlobalStep: (epoch-1)*stepsPerEpoch + batch, MeanLoss: loss})
		} else if m := lessonAccuracyLine.FindStringSubmatch(line); m != nil {
			acc, err := strconv.ParseFloat(m[1], 64)
			if err != nil || acc < 0 || acc > 100 {
				return nil, fmt.Errorf("line %d: bad accuracy %q", n, line)
			}
			h.Epochs = append(h.Epochs, EpochResult{Epoch: len(h.Epochs) + 1, Steps: stepsPerEpoch, TestAccuracy: acc / 100})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(h.Epochs) == 0 {
		return nil, fmt.Errorf("no %q line: not a log of the lesson's code", "accuracy on test set: X %")
	}
	return h, nil
}
