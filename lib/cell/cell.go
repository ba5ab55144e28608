// Package cell holds what every notebook cell's program needs before it
// builds a net: Check, which ends the cell with an error's message.
//
// It imports only the standard library, on purpose. GoNB links each cell as a
// program of its own, with the packages the cells so far have declared and
// still use; a notebook's import cell declares only check, so with check here
// rather than in lib/lesson (which starts the backend, and so links GoMLX and
// XLA's cgo bindings) that cell links in a fraction of a second, and the first
// output of the notebook comes that much sooner (docs/notebook-internals.md,
// "What a cell costs").
package cell

import (
	"fmt"
	"io"
	"os"
)

// Check ends a notebook cell with err's message, if err is not nil. A cell's
// program is a small main, so this is the readable way to stop it.
func Check(err error) {
	if err != nil {
		os.Exit(report(os.Stderr, err))
	}
}

// report writes err as Check shows it and returns the cell's exit status.
func report(w io.Writer, err error) int {
	fmt.Fprintln(w, "error:", err)
	return 1
}
