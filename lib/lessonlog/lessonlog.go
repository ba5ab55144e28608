// Package lessonlog reads the training logs the lesson's PyTorch code prints
// (Read) into histories, and holds the log printed in the lesson itself
// (Lesson), kept once as text in lesson-inception.log.
package lessonlog

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

var (
	lessonLossLine     = regexp.MustCompile(`^\[\s*([0-9]+),\s*([0-9]+)\] loss: ([0-9.eE+-]+)`)
	lessonAccuracyLine = regexp.MustCompile(`^accuracy on test set: ([0-9.]+) %`)
)

// Read reads a training log printed by the lesson's PyTorch code
// (plots/pytorch/lesson_run.py prints the same lines): "[epoch, batch] loss:
// x", the mean loss of the last 300 batches, and "accuracy on test set: X %"
// after each epoch. Other lines are skipped. The history is that of model
// with the lesson's recipe (training.DefaultConfig) on all 60,000 training and 10,000
// test images, on backend "pytorch"; figures the log does not print (test
// loss, timings) are zero.
//
// A loss line out of order, an accuracy outside 0–100 %, or a log without an
// accuracy line is an error.
func Read(r io.Reader, model string) (*training.History, error) {
	h := &training.History{Config: training.DefaultConfig(model), Backend: "pytorch", Train: recipe.TrainImages, Test: recipe.TestImages}
	stepsPerEpoch := recipe.Steps(h.Train, h.Config.BatchSize)
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
			h.Logs = append(h.Logs, training.LogLine{Epoch: epoch, Batch: batch, GlobalStep: (epoch-1)*stepsPerEpoch + batch, MeanLoss: loss})
		} else if m := lessonAccuracyLine.FindStringSubmatch(line); m != nil {
			acc, err := strconv.ParseFloat(m[1], 64)
			if err != nil || acc < 0 || acc > 100 {
				return nil, fmt.Errorf("line %d: bad accuracy %q", n, line)
			}
			h.Epochs = append(h.Epochs, training.EpochResult{Epoch: len(h.Epochs) + 1, Steps: stepsPerEpoch, TestAccuracy: acc / 100})
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

// lessonInception is the lesson's own PyTorch log of the Inception net, as
// the lesson prints it: the mean loss at batches 300, 600 and 900 of each of
// the 10 epochs, and the test accuracy after each.
//
//go:embed lesson-inception.log
var lessonInception string

// LessonDevice is the device Lesson's history names.
const LessonDevice = "CPU (the lesson's log)"

// Lesson returns the lesson's own PyTorch training log of the Inception net
// as a History (read by Read): the mean loss of batches 1–300, 301–600 and
// 601–900 of each of the 10 epochs, and the test accuracy after each epoch.
// Figures the lesson does not print (test loss, timings) are zero.
func Lesson() (*training.History, error) {
	h, err := Read(strings.NewReader(lessonInception), "inception")
	if err != nil {
		return nil, fmt.Errorf("the lesson's log (lib/lessonlog/lesson-inception.log): %w", err)
	}
	h.Device = LessonDevice
	return h, nil
}
