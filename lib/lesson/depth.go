package lesson

import (
	"fmt"
	"path/filepath"

	"github.com/learn-gomlx/advanced-cnn/lib/depth"
)

// DepthExperiment is notebook 04's experiment: depth.Full, or depth.Quick in
// quick mode (ADVCNN_QUICK=1), named "full" or "quick" as its committed
// report in plots/depth. With fewer training images than its steps need
// (ADVCNN_TRAIN_LIMIT), the nets train for as many steps as there are batches.
func DepthExperiment(trainImages int) (e depth.Experiment, name string, err error) {
	quick, err := Quick()
	if err != nil {
		return e, "", err
	}
	e, name = depth.Full(), "full"
	if quick {
		e, name = depth.Quick(), "quick"
	}
	if steps := trainImages / 64; steps < e.Steps {
		if steps < 1 {
			return e, name, fmt.Errorf("notebook 04 needs at least 64 training images, got %d", trainImages)
		}
		e.Steps = steps
	}
	return e, name, e.Validate()
}

// DepthReference is the committed report of notebook 04's experiment called
// name ("full" or "quick"): plots/depth/<name>.json, written by
// `go run ./cmd/depth -out plots/depth`.
func DepthReference(name string) (*depth.Report, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	return depth.LoadReport(filepath.Join(root, "plots", "depth", name+".json"))
}
