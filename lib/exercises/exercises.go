// Package exercises checks the notebooks' exercises (练习). Each notebook ends
// with cells where the student writes an answer, a number or a few lines of
// Go, and calls this package's checker for that exercise. The checker says
// right or wrong and, when wrong, gives a hint that does not give the answer
// away.
//
// The answers are not in the notebooks' source. A number is computed here
// from the lesson's arithmetic (with package cost, as the notebooks compute
// their tables), and a choice is stored as a SHA-256 hash. Go that the
// student writes is run: its output shape, its trainable parameters and a
// forward pass on a fixed input are compared with a reference written here.
//
// The worked solutions, as a student would write them, are in
// solutions_test.go, where a test runs every checker with a right answer
// (which must pass) and a wrong one (which must fail, with the hint).
package exercises

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
)

// Result is the verdict on one answer.
type Result struct {
	// ID names the exercise, "01.3": notebook 01, exercise 3 (see All).
	ID string
	// OK says whether the answer is right.
	OK bool
	// Message says what was checked and what was found.
	Message string
	// Hint, when the answer is wrong, points the way without the answer.
	Hint string
}

// String is the verdict as the notebook prints it: a ✓ line when right,
// a ✗ line and the hint when not.
func (r Result) String() string {
	if r.OK {
		return fmt.Sprintf("✓ exercise %s: right. %s", r.ID, r.Message)
	}
	s := fmt.Sprintf("✗ exercise %s: not yet. %s", r.ID, r.Message)
	if r.Hint != "" {
		s += "\n  hint: " + r.Hint
	}
	return s
}

// Kind says what the student writes.
type Kind string

const (
	// Number: the student writes a number.
	Number Kind = "number"
	// Choice: the student picks one of the letters offered.
	Choice Kind = "choice"
	// Code: the student writes a Go function.
	Code Kind = "Go"
)

// Exercise describes one exercise and the checker that answers it.
type Exercise struct {
	// ID is "NN.k": exercise k of notebook NN.
	ID string
	// Notebook is the notebook's file name in notebooks/.
	Notebook string
	// Checker is the name of this package's function that checks it.
	Checker string
	// Kind is what the student writes.
	Kind Kind
	// Task is the exercise in one line.
	Task string
}

// All lists every exercise, notebook by notebook.
func All() []Exercise {
	return []Exercise{
		{"01.1", nb01, "WideReduceMults", Number, "multiplications of a 1x1 convolution from 192 to 64 channels on 28x28, one image"},
		{"01.2", nb01, "BottleneckSpeedUp", Number, "counted speed-up of the lesson's path with a 32-channel bottleneck instead of 16"},
		{"01.3", nb01, "BreakEven", Code, "a Go function: the bottleneck width at which the 1x1 + kxk path costs as much as the plain kxk"},
		{"01.4", nb01, "OneByOneAsMatMul", Code, "a Go function: a 1x1 convolution as a per-pixel matrix product over the channels"},
		{"02.1", nb02, "InceptionChannels", Number, "output channels of InceptionA if its pool branch gave 32 channels"},
		{"02.2", nb02, "InceptionParams", Number, "trainable parameters of InceptionA on 88 input channels"},
		{"02.3", nb02, "TwoThreeByThree", Number, "multiplications per output value and channel pair of two stacked 3x3 convolutions"},
		{"02.4", nb02, "InceptionBranch", Code, "a Go function: a fifth Inception branch, 1x1 to 8, ReLU, 3x3 to 16, ReLU"},
		{"03.1", nb03, "ProjectionShortcut", Code, "a Go function: a residual block that changes the channel count, with a 1x1 convolution on the skip path"},
		{"03.2", nb03, "ResidualBlockParams", Number, "trainable parameters of the lesson's ResidualBlock on 64 channels"},
		{"03.3", nb03, "ResidualFlatten", Number, "values reaching the residual net's linear layer if the images were 32x32"},
		{"04.1", nb04, "VanishingOrders", Number, "orders of magnitude the gradient loses through 20 layers that each pass on 1/√6 of it"},
		{"04.2", nb04, "HeStd", Number, "standard deviation of He initialisation for the deep nets' 3x3 convolutions of 8 channels"},
		{"04.3", nb04, "PreActivation", Code, "a Go function: the pre-activation residual block"},
		{"04.4", nb04, "Degradation", Choice, "which comparison separates degradation from the vanishing gradient"},
	}
}

const (
	nb01 = "01-one-by-one-convolution.ipynb"
	nb02 = "02-inception.ipynb"
	nb03 = "03-residual-network.ipynb"
	nb04 = "04-why-residual.ipynb"
)

// Numeric is any number a student may write: 42, 42.0, int64(42).
type Numeric interface {
	~int | ~int32 | ~int64 | ~float32 | ~float64
}

// checkNumber compares got with want: exactly when tol is 0, else within tol.
func checkNumber(id string, got, want, tol float64, what, hint string) Result {
	r := Result{ID: id}
	switch {
	case math.IsNaN(got) || math.IsInf(got, 0):
		r.Message = fmt.Sprintf("%v is not a number %s can be.", got, what)
		r.Hint = hint
	case got == 0:
		r.Message = "the answer is still 0: write yours in place of the 0."
		r.Hint = hint
	case math.Abs(got-want) <= tol:
		r.OK = true
		r.Message = fmt.Sprintf("%s is %s.", what, formatNumber(got))
	default:
		r.Message = fmt.Sprintf("%s is not %s.", what, formatNumber(got))
		r.Hint = hint
	}
	return r
}

// formatNumber writes whole numbers with thousands separators, others with
// up to 4 significant decimals.
func formatNumber(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		s := fmt.Sprintf("%d", int64(math.Abs(x)))
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		if x < 0 {
			return "-" + b.String()
		}
		return b.String()
	}
	return fmt.Sprintf("%.4g", x)
}

// hashChoice is the stored form of a choice's answer: the SHA-256 of the
// exercise's ID and the lower-case letter, so that the answer is not in the
// source and the same letter hashes differently in each exercise.
func hashChoice(id, letter string) string {
	sum := sha256.Sum256([]byte(id + ":" + strings.ToLower(strings.TrimSpace(letter))))
	return hex.EncodeToString(sum[:])
}

// checkChoice checks a letter against the stored hash of the right one.
func checkChoice(id, got string, letters []string, wantHash, hint string) Result {
	r := Result{ID: id}
	g := strings.ToLower(strings.TrimSpace(got))
	valid := false
	for _, l := range letters {
		valid = valid || g == l
	}
	switch {
	case g == "":
		r.Message = fmt.Sprintf("no answer yet: write one of %q.", letters)
		r.Hint = hint
	case !valid:
		r.Message = fmt.Sprintf("%q is not one of the choices %q.", got, letters)
		r.Hint = hint
	case hashChoice(id, g) == wantHash:
		r.OK = true
		r.Message = fmt.Sprintf("(%s) is the one.", g)
	default:
		r.Message = fmt.Sprintf("(%s) is not the one.", g)
		r.Hint = hint
	}
	return r
}
