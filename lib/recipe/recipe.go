// Package recipe holds the lesson's training recipe and its arithmetic: the
// batch size, the dataset sizes and the steps per epoch they give, defined
// once for the training loop, the charts, the benchmarks and the notebooks.
package recipe

// The lesson's recipe (training.DefaultConfig builds its Config from these).
const (
	// Epochs is the number of passes over the training set.
	Epochs = 10
	// BatchSize is the number of training images per step.
	BatchSize = 64
	// EvalBatchSize is the number of test images per evaluation step.
	EvalBatchSize = 500
	// LearningRate and Momentum configure SGD with momentum.
	LearningRate = 0.01
	Momentum     = 0.5
	// Seed fixes the initial weights and the order of the batches.
	Seed = 1
	// LogEvery is the number of batches averaged in each loss log line.
	LogEvery = 300
)

// The MNIST dataset's sizes.
const (
	// TrainImages is the number of images in MNIST's training set.
	TrainImages = 60000
	// TestImages is the number of images in MNIST's test set.
	TestImages = 10000
)

// StepsPerEpoch is the number of batches of BatchSize in an epoch of the
// TrainImages training images, the last one partial: 938.
const StepsPerEpoch = (TrainImages + BatchSize - 1) / BatchSize

// Steps returns the number of batches of batchSize images in an epoch of
// images images, the last one possibly partial (0 when either is not positive).
func Steps(images, batchSize int) int {
	if images <= 0 || batchSize <= 0 {
		return 0
	}
	return (images + batchSize - 1) / batchSize
}
