package textcheck

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/bottleneck"
	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/depth"
	"github.com/learn-gomlx/advanced-cnn/lib/layout/layouttest"
	"github.com/learn-gomlx/advanced-cnn/lib/lessonlog"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/models/modelstest"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// lessonFacts are the figures the notebooks may quote without a source: the
// lesson's arithmetic, each computed here by the project's code.
func lessonFacts(t *testing.T) []float64 {
	t.Helper()
	var facts []float64
	add := func(vs ...float64) { facts = append(facts, vs...) }
	addInt := func(vs ...int64) {
		for _, v := range vs {
			facts = append(facts, float64(v))
		}
	}

	// Notebook 01: the worked example, its parameters and the break-even width.
	plain := cost.ConvMults(192, 32, 5, 28, 28)
	reduce, conv := cost.ConvMults(192, 16, 1, 28, 28), cost.ConvMults(16, 32, 5, 28, 28)
	addInt(plain, reduce, conv, reduce+conv, 192, 28*28*192, 5*5*32, 5*5*32*192, 192+5*5*32)
	add(float64(plain)/float64(reduce+conv), 5.0*5*32*192/(192+5*5*32))
	for _, p := range []bottleneck.Path{bottleneck.Plain, bottleneck.Lesson} {
		tab := p.CostTable()
		addInt(tab.TotalParams(), tab.TotalMults())
	}

	// Notebooks 01–03: every layer of the two nets, as models.Summarize builds them.
	for _, name := range models.Names() {
		spec, s := modelstest.Summary(t, name)
		total := s.Table.TotalMults()
		addInt(int64(s.TrainableParams), total, int64(spec.Params))
		blocks := map[string][2]int64{} // a block's parameters and multiplications: its layers' sums
		for _, l := range s.Table.Layers {
			top := strings.SplitN(strings.TrimPrefix(l.Name, "/"), "/", 2)[0]
			blocks[top] = [2]int64{blocks[top][0] + l.Params, blocks[top][1] + l.Mults}
			if l.Kind == "linear" {
				addInt((l.Params - 10) / 10) // the values flattened into the linear layer
			}
			addInt(l.Params, l.Mults)
			add(100 * float64(l.Mults) / float64(total))
			for _, d := range l.OutShape {
				addInt(int64(d))
			}
			size := int64(1)
			for _, d := range l.OutShape {
				size *= int64(d)
			}
			addInt(size)
		}
		for _, pm := range blocks {
			addInt(pm[0], pm[1])
		}
	}
	inc, incS := modelstest.Summary(t, "inception")
	res, resS := modelstest.Summary(t, "resnet")
	add(float64(resS.Table.TotalMults())/float64(incS.Table.TotalMults()), float64(res.Params)/float64(inc.Params))

	// The recipe and the data: 255 is a pixel's largest value.
	addInt(255)
	cfg := training.DefaultConfig("inception")
	add(cfg.LearningRate, cfg.Momentum, mnist.Mean, mnist.Std)
	addInt(int64(cfg.BatchSize), int64(cfg.LogEvery), int64(mnist.Train.Count()), int64(mnist.Test.Count()),
		int64(mnist.Train.Count()/cfg.BatchSize), int64((mnist.Train.Count()+cfg.BatchSize-1)/cfg.BatchSize))

	// Notebook 04: the deep nets, the experiment's settings, and the arithmetic of the vanishing gradient.
	for _, e := range []depth.Experiment{depth.Full(), depth.Quick()} {
		addInt(int64(e.Steps), int64(e.Steps*cfg.BatchSize))
		for _, d := range e.Depths {
			addInt(int64(models.DeepParams(d)))
		}
	}
	addInt(models.DeepChannels*7*7, models.MaxDepth)
	add(math.Log(10), 1/math.Sqrt(6), math.Pow(1/math.Sqrt(6), 20), 20*math.Log10(math.Sqrt(6)),
		nn.HeStd(models.DeepChannels*9), 1/math.Sqrt(models.DeepChannels*9))
	// Two stacked 3x3 against one 5x5, per output value and channel pair.
	addInt(2*3*3, 5*5)
	return facts
}

// TestNotebooks checks every figure in the markdown of notebooks/*.ipynb
// and in notebooks/README.md, their glossary.
func TestNotebooks(t *testing.T) {
	root := layouttest.Path(t)
	lessonLog, err := lessonlog.Lesson()
	if err != nil {
		t.Fatal(err)
	}
	c := &Checker{Root: root, Facts: lessonFacts(t), Virtual: map[string]any{"lesson-log": lessonLog}}
	paths, err := filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
	if err != nil || len(paths) != 4 {
		t.Fatalf("notebooks: %v, %v; want four", paths, err)
	}
	for _, p := range paths {
		problems, err := c.CheckNotebook(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range problems {
			t.Error(pr)
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "notebooks", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range c.CheckMarkdown("notebooks/README.md", string(readme)) {
		t.Error(pr)
	}
}

// TestNotebookCellIDs checks that no two cells of a notebook share an id:
// nbformat requires unique ids, and renames a repeated one when it runs the
// notebook, so an edit that copies a cell shows here first.
func TestNotebookCellIDs(t *testing.T) {
	paths, err := filepath.Glob(layouttest.Path(t, "notebooks", "*.ipynb"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("notebooks: %v, %v", paths, err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var nb struct {
			Cells []struct {
				ID string `json:"id"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(data, &nb); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		seen := map[string]int{}
		for i, c := range nb.Cells {
			if c.ID == "" {
				t.Errorf("%s: cell %d has no id", filepath.Base(p), i)
			} else if j, ok := seen[c.ID]; ok {
				t.Errorf("%s: cells %d and %d share the id %q", filepath.Base(p), j, i, c.ID)
			}
			seen[c.ID] = i
		}
	}
}
