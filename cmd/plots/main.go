// Command plots draws the committed reference runs (plots/*/history.json) as
// standalone, offline HTML pages: each net's training curves against the
// lesson's PyTorch log, each net's Go seeds, and the spread of the final
// accuracies of Go's and PyTorch's seeds. `make plots` runs it and turns the
// pages into the PNG images committed in plots/. It also prints the seed
// table of plots/README.md.
//
//	go run ./cmd/plots -out runs/plots
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/learn-gomlx/advanced-cnn/lib/charts"
	"github.com/learn-gomlx/advanced-cnn/lib/command"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/lessonlog"
	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
	"github.com/learn-gomlx/advanced-cnn/lib/seeds"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

func main() { command.Main("plots", run) }

// run is the program: the pages go to -out, the names of the files written
// and the seed table to stdout.
func run(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags("plots", stderr)
	out := fs.String("out", "runs/plots", "folder for the HTML pages")
	plots := fs.String("plots", layout.PlotsDir, "folder with the reference runs")
	if err := command.Parse(fs, args); err != nil {
		return err
	}
	return draw(*plots, *out, stdout)
}

// draw writes the pages of the runs under plotsDir to out.
func draw(plotsDir, out string, stdout io.Writer) error {
	load := func(net, label string) (charts.Run, error) {
		h, err := training.LoadHistory(filepath.Join(layout.RunDir(plotsDir, net), layout.HistoryFile))
		return charts.Run{Label: label, History: h}, err
	}
	lesson, err := lessonlog.Lesson()
	if err != nil {
		return err
	}
	lessonLog := charts.LessonRun()
	lessonLog.Label, lessonLog.History = "Inception net, PyTorch (the lesson's log)", lesson
	type page struct {
		file, title string
		runs        []charts.Run
	}
	inception, err := load("inception", "Go, seed 1 (plots/inception)")
	if err != nil {
		return err
	}
	resnet, err := load("resnet", "Residual net, Go, seed 1")
	if err != nil {
		return err
	}
	inceptionToo := inception
	inceptionToo.Label = "Inception net, Go, seed 1"
	pages := []page{
		{"inception.html", "Inception net: 10 epochs on xla:cpu against the lesson's PyTorch log", []charts.Run{lessonLog, inception}},
		{"resnet.html", "Residual net: 10 epochs on xla:cpu", []charts.Run{lessonLog, resnet, inceptionToo}},
	}
	for _, net := range []string{"inception", "resnet"} {
		goRuns, torchRuns, err := seeds.Load(plotsDir, net, recipe.Epochs)
		if err != nil {
			return err
		}
		p := page{file: net + "-seeds.html",
			title: fmt.Sprintf("%s: %d seeds on xla:cpu (solid) and %d of the lesson's PyTorch code (dashed)", net, len(goRuns.Runs), len(torchRuns.Runs))}
		if net == "inception" {
			p.runs = append(p.runs, lessonLog)
		}
		for i, r := range torchRuns.Runs {
			p.runs = append(p.runs, charts.Run{Label: fmt.Sprintf("PyTorch, seed %d", r.Seed), History: r.History,
				Dashed: true, Color: torchGreys[i%len(torchGreys)]})
		}
		for _, r := range goRuns.Runs {
			p.runs = append(p.runs, charts.Run{Label: fmt.Sprintf("Go, seed %d", r.Seed), History: r.History})
		}
		pages = append(pages, p)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, p := range pages {
		fig, err := charts.TrainingCurves(p.runs, charts.CurveOptions{Title: p.title})
		if err != nil {
			return err
		}
		path := filepath.Join(out, p.file)
		if err := charts.WriteHTML(path, charts.Options{}, fig); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	return spreads(plotsDir, out, stdout)
}

// torchGreys tell the PyTorch seeds apart while keeping them behind Go's colours.
var torchGreys = [...]string{"#9e9e9e", "#7a7a7a", "#b8b8b8", "#5f5f5f", "#c9c9c9"}

// spreads draws each net's seed spread, Go against PyTorch, and prints the
// seed table of plots/README.md.
func spreads(plotsDir, out string, stdout io.Writer) error {
	fmt.Fprintln(stdout, "\n| net | framework | "+"seed 1 | seed 2 | seed 3 | seed 4 | seed 5 | mean ± sd |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|")
	for _, net := range []string{"inception", "resnet"} {
		goRuns, torchRuns, err := seeds.Load(plotsDir, net, recipe.Epochs)
		if err != nil {
			return err
		}
		var sets []seeds.Set
		for _, s := range []seeds.Set{goRuns, torchRuns} {
			if len(s.Runs) == 0 {
				continue
			}
			sets = append(sets, s)
			cells := map[int64]string{}
			for _, r := range s.Runs {
				cells[r.Seed] = fmt.Sprintf("%.2f", r.Final())
			}
			line := fmt.Sprintf("| %s | %s |", net, s.Framework)
			for seed := int64(1); seed <= 5; seed++ {
				if c, ok := cells[seed]; ok {
					line += " " + c + " |"
				} else {
					line += " — |"
				}
			}
			fmt.Fprintf(stdout, "%s %.2f ± %.2f (%d runs) |\n", line, s.Mean(), s.SD(), len(s.Runs))
		}
		if len(sets) == 2 {
			fmt.Fprintf(stdout, "| %s | Go − PyTorch | | | | | | %+.2f |\n", net, goRuns.Mean()-torchRuns.Mean())
		}
		fig, err := charts.SeedSpread(sets, charts.SpreadOptions{
			Title: fmt.Sprintf("%s net: test accuracy after 10 epochs, Go and PyTorch", map[string]string{"inception": "Inception", "resnet": "Residual"}[net])})
		if err != nil {
			return err
		}
		path := filepath.Join(out, net+"-spread.html")
		if err := charts.WriteHTML(path, charts.Options{}, fig); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	return nil
}
