package models_test

import (
	"fmt"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
)

// Summarize builds a net once, for one image, and says what it costs: its
// trainable parameters, its logits' shape and its per-layer cost table.
func ExampleSummarize() {
	spec, err := models.ByName("inception")
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := models.Summarize(spec.Build)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("parameters:", cost.Thousands(int64(s.TrainableParams)))
	fmt.Println("logits:", s.Output)
	fmt.Println("multiplications per image:", cost.Thousands(s.Table.TotalMults()))
	// Output:
	// parameters: 97,298
	// logits: [1 10]
	// multiplications per image: 6,020,960
}
