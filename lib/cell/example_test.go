package cell_test

import (
	"fmt"
	"strconv"

	"github.com/learn-gomlx/advanced-cnn/lib/cell"
)

// A notebook declares check once, in its import cell; each cell then stops at
// its first error, with the error's message.
func ExampleCheck() {
	check := cell.Check
	batch, err := strconv.Atoi("64")
	check(err) // nil: the cell goes on
	fmt.Println("batch", batch)
	// Output: batch 64
}
