package lesson

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/charts"
	"github.com/learn-gomlx/advanced-cnn/lib/evaluate"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
)

// Evaluation is what a trained net gets right and wrong on a test set.
type Evaluation struct {
	Test      *mnist.Dataset
	Pred      []int32 // the predicted digit of each test image
	Confusion *evaluate.Confusion
}

// Evaluate runs the net build with the weights in store on every image of testSet.
func Evaluate(backend compute.Backend, store *model.Store, build models.Fn, testSet *mnist.Dataset) (*Evaluation, error) {
	pred, err := evaluate.Predict(backend, store, build, testSet, 500)
	if err != nil {
		return nil, err
	}
	c, err := evaluate.NewConfusion(testSet.Labels, pred)
	if err != nil {
		return nil, err
	}
	return &Evaluation{Test: testSet, Pred: pred, Confusion: c}, nil
}

// Show displays the evaluation in the notebook: its confusion matrix, then
// the first maxMistakes misclassified images, under titles naming the net.
func (e *Evaluation) Show(net string, maxMistakes int) error {
	fig, err := charts.ConfusionMatrix(e.Confusion, charts.ConfusionOptions{Title: "What the " + net + " gets right and wrong"})
	if err != nil {
		return err
	}
	if err := charts.Display(fig); err != nil {
		return err
	}
	m := evaluate.Mistakes(e.Test.Labels, e.Pred, maxMistakes)
	if len(m) == 0 {
		fmt.Println("no test image misclassified")
		return nil
	}
	grid, err := charts.Mistakes(e.Test, m, fmt.Sprintf("%s: the first %d of its %d mistakes", net, len(m), e.Confusion.Total()-e.Confusion.Right()))
	if err != nil {
		return err
	}
	return charts.DisplayImages(grid)
}
