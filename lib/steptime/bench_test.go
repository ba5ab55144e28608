package steptime

import (
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// BenchmarkTrainStep times one training step of the lesson's recipe (batch 64,
// a fresh batch sent from the host, forward, backward and the SGD-momentum
// update) for each net on each backend, with StepTimer. Compilation and a
// warm-up step happen before the timer starts. `make bench` gives the same
// figures in one table beside PyTorch's.
//
//	go test -run '^$' -bench TrainStep -benchtime 20x ./lib/steptime
func BenchmarkTrainStep(b *testing.B) {
	for _, config := range backendtest.Configs(b) {
		for _, name := range models.Names() {
			b.Run(config+"/"+name+"/batch64", func(b *testing.B) {
				timer, err := NewStepTimer(backendtest.Get(b, config), training.DefaultConfig(name))
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := timer.Time(1); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
			})
		}
	}
}
