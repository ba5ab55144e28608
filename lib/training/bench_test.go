package training

import (
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
)

// BenchmarkTrainStep times one training step of the lesson's recipe (batch 64,
// forward, backward and the SGD-momentum update) for each net on each backend.
// Compilation and a warm-up step happen before the timer starts.
//
//	go test -run '^$' -bench TrainStep -benchtime 20x ./lib/training
func BenchmarkTrainStep(b *testing.B) {
	data := synthetic(64, 1)
	for _, config := range backendtest.Configs(b) {
		for _, name := range models.Names() {
			b.Run(config+"/"+name+"/batch64", func(b *testing.B) {
				trainer, err := NewTrainer(backendtest.Get(b, config), model.NewStore(), DefaultConfig(name))
				if err != nil {
					b.Fatal(err)
				}
				ds := &batches{name: "bench", data: data, size: 64}
				step := func() {
					for batch := range ds.Iter() {
						if _, err := trainer.TrainStep(batch); err != nil {
							b.Fatal(err)
						}
					}
				}
				step() // compile and warm up
				for b.Loop() {
					step()
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
			})
		}
	}
}
