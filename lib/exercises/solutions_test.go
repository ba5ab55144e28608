package exercises_test

// The worked solutions of the notebooks' exercises, as a student would write
// them in the exercise cells: a teacher finds them here. TestEveryChecker runs
// each checker with the solution, which must pass, and with a typical wrong
// answer, which must fail and give the hint.

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/exercises"
	"github.com/learn-gomlx/advanced-cnn/lib/layout/layouttest"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
)

// 01.3: per output pixel, plain = k·k·in·out and bottleneck = in·w + k·k·w·out.
func breakEven(in, out, k int) float64 {
	return float64(k*k*in*out) / float64(in+k*k*out)
}

// 01.4: the weight matrix times every pixel's channels.
func oneByOne(x, weight *Node) *Node {
	return Einsum("bhwc,oc->bhwo", x, weight)
}

// 02.4: a fifth Inception branch.
func myBranch(scope *model.Scope, x *Node) *Node {
	y := activation.Relu(nn.Conv2D(scope.In("branch_new_1"), x, 8, 1, 0))
	return activation.Relu(nn.Conv2D(scope.In("branch_new_2"), y, 16, 3, 1))
}

// 03.1: the projection shortcut.
func projectionBlock(scope *model.Scope, x *Node, outChannels int) *Node {
	y := activation.Relu(nn.Conv2D(scope.In("conv1"), x, outChannels, 3, 1))
	y = nn.Conv2D(scope.In("conv2"), y, outChannels, 3, 1)
	shortcut := nn.Conv2D(scope.In("projection"), x, outChannels, 1, 0)
	return activation.Relu(Add(shortcut, y))
}

// 04.3: the pre-activation block.
func preActBlock(scope *model.Scope, x *Node) *Node {
	channels := x.Shape().Dim(-1)
	y := nn.Conv2D(scope.In("conv1"), activation.Relu(x), channels, 3, 1)
	y = nn.Conv2D(scope.In("conv2"), activation.Relu(y), channels, 3, 1)
	return Add(x, y)
}

// answers pairs each exercise's solution with a typical wrong answer.
type answers struct {
	id           string
	right, wrong func(b compute.Backend) (exercises.Result, error)
}

func plain(r exercises.Result) (exercises.Result, error) { return r, nil }

var table = []answers{
	{"01.1",
		func(compute.Backend) (exercises.Result, error) {
			return plain(exercises.WideReduceMults(28 * 28 * 192 * 64))
		},
		func(compute.Backend) (exercises.Result, error) {
			return plain(exercises.WideReduceMults(28 * 28 * 192 * 16))
		}},
	{"01.2",
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.BottleneckSpeedUp(4.84)) },
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.BottleneckSpeedUp(192.0 / 32)) }},
	{"01.3",
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.BreakEven(breakEven)) },
		func(compute.Backend) (exercises.Result, error) {
			return plain(exercises.BreakEven(func(in, out, k int) float64 { return float64(in) })) // forgets the 1x1's own cost
		}},
	{"01.4",
		func(b compute.Backend) (exercises.Result, error) { return exercises.OneByOneAsMatMul(b, oneByOne) },
		func(b compute.Backend) (exercises.Result, error) {
			return exercises.OneByOneAsMatMul(b, func(x, weight *Node) *Node { // sums over the output channels' axis instead
				return Einsum("bhwc,co->bhwo", Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(0, 3)), Slice(weight, AxisRange(), AxisRange(0, 3)))
			})
		}},
	{"02.1",
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.InceptionChannels(96)) },
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.InceptionChannels(88)) }},
	{"02.2",
		func(compute.Backend) (exercises.Result, error) {
			in := 88
			n := (in*16 + 16) + (in*16 + 16 + 16*24*25 + 24) + (in*16 + 16 + 16*24*9 + 24 + 24*24*9 + 24) + (in*24 + 24)
			return plain(exercises.InceptionParams(n))
		},
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.InceptionParams(19104)) }}, // InceptionA(10)'s
	{"02.3",
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.TwoThreeByThree(3*3 + 3*3)) },
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.TwoThreeByThree(3 * 3)) }},
	{"02.4",
		func(b compute.Backend) (exercises.Result, error) { return exercises.InceptionBranch(b, myBranch) },
		func(b compute.Backend) (exercises.Result, error) {
			return exercises.InceptionBranch(b, func(scope *model.Scope, x *Node) *Node { // no ReLU between the convolutions
				y := nn.Conv2D(scope.In("a"), x, 8, 1, 0)
				return activation.Relu(nn.Conv2D(scope.In("b"), y, 16, 3, 1))
			})
		}},
	{"03.1",
		func(b compute.Backend) (exercises.Result, error) {
			return exercises.ProjectionShortcut(b, projectionBlock)
		},
		func(b compute.Backend) (exercises.Result, error) {
			return exercises.ProjectionShortcut(b, func(scope *model.Scope, x *Node, outChannels int) *Node { // no skip path
				y := activation.Relu(nn.Conv2D(scope.In("conv1"), x, outChannels, 3, 1))
				return activation.Relu(nn.Conv2D(scope.In("conv2"), y, outChannels, 3, 1))
			})
		}},
	{"03.2",
		func(compute.Backend) (exercises.Result, error) {
			return plain(exercises.ResidualBlockParams(2 * (64*64*9 + 64)))
		},
		func(compute.Backend) (exercises.Result, error) {
			return plain(exercises.ResidualBlockParams(64 * 64 * 9))
		}},
	{"03.3",
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.ResidualFlatten(32 * 5 * 5)) },
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.ResidualFlatten(512)) }},
	{"04.1",
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.VanishingOrders(7.8)) },
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.VanishingOrders(20)) }},
	{"04.2",
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.HeStd(math.Sqrt(2.0 / 72))) },
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.HeStd(1 / math.Sqrt(72))) }}, // PyTorch's bound
	{"04.3",
		func(b compute.Backend) (exercises.Result, error) { return exercises.PreActivation(b, preActBlock) },
		func(b compute.Backend) (exercises.Result, error) {
			return exercises.PreActivation(b, func(scope *model.Scope, x *Node) *Node { // the lesson's block: ReLU after the addition
				channels := x.Shape().Dim(-1)
				y := activation.Relu(nn.Conv2D(scope.In("conv1"), x, channels, 3, 1))
				y = nn.Conv2D(scope.In("conv2"), y, channels, 3, 1)
				return activation.Relu(Add(x, y))
			})
		}},
	{"04.4",
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.Degradation("b")) },
		func(compute.Backend) (exercises.Result, error) { return plain(exercises.Degradation("a")) }},
}

func TestEveryChecker(t *testing.T) {
	all := exercises.All()
	ids := make([]string, len(all))
	for i, e := range all {
		ids[i] = e.ID
	}
	var covered []string
	for _, a := range table {
		covered = append(covered, a.id)
	}
	if !slices.Equal(ids, covered) {
		t.Fatalf("the table covers exercises %q; exercises.All lists %q", covered, ids)
	}
	// The pure-Go backend: the checkers do not depend on the backend (lib/nn's
	// tests compare the backends), and XLA's compilations would take most of
	// the test's time.
	b := backendtest.Get(t, "go")
	for _, a := range table {
		t.Run(a.id, func(t *testing.T) {
			right, err := a.right(b)
			if err != nil {
				t.Fatal(err)
			}
			if !right.OK || right.ID != a.id || right.Hint != "" || !strings.HasPrefix(right.String(), "✓ exercise "+a.id) {
				t.Errorf("the solution was not accepted: %s", right)
			}
			wrong, err := a.wrong(b)
			if err != nil {
				t.Fatal(err)
			}
			if wrong.OK || wrong.ID != a.id || wrong.Hint == "" || !strings.Contains(wrong.String(), "hint: "+wrong.Hint) {
				t.Errorf("a wrong answer was not refused with a hint: %s", wrong)
			}
		})
	}
}

// TestTeachersGuideListsEveryExercise keeps docs/exercises.md, where a
// teacher looks first, in step with All.
func TestTeachersGuideListsEveryExercise(t *testing.T) {
	guide, err := os.ReadFile(layouttest.Path(t, "docs", "exercises.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exercises.All() {
		row := fmt.Sprintf("| %s | %s |", e.ID, e.Notebook[:2])
		if !strings.Contains(string(guide), row) || !strings.Contains(string(guide), "`"+e.Checker+"`") {
			t.Errorf("docs/exercises.md has no row %q naming `%s`", row, e.Checker)
		}
	}
}
