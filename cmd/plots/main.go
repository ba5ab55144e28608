// Command plots draws the committed reference runs (plots/*/history.json) as
// standalone, offline HTML pages: each net's training curves against the
// lesson's PyTorch log, and the Inception net's seeds. `make plots` runs it and
// turns the pages into the PNG images committed in plots/.
//
//	go run ./cmd/plots -out runs/plots
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/learn-gomlx/advanced-cnn/lib/charts"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

func main() {
	out := flag.String("out", "runs/plots", "folder for the HTML pages")
	plots := flag.String("plots", "plots", "folder with the reference runs")
	flag.Parse()
	if err := run(*plots, *out); err != nil {
		fmt.Fprintln(os.Stderr, "plots:", err)
		os.Exit(1)
	}
}

func run(plotsDir, out string) error {
	load := func(rel, label string, dashed bool) (charts.Run, error) {
		h, err := training.LoadHistory(filepath.Join(plotsDir, rel, "history.json"))
		return charts.Run{Label: label, History: h, Dashed: dashed}, err
	}
	pages := []struct {
		file, title string
		runs        []string // rel path, label
	}{
		{"inception.html", "Inception net: 10 epochs on xla:cpu against the lesson's PyTorch log",
			[]string{"inception", "Go, seed 1 (plots/inception)"}},
		{"resnet.html", "Residual net: 10 epochs on xla:cpu",
			[]string{"resnet", "Residual net, Go, seed 1", "inception", "Inception net, Go, seed 1"}},
		{"inception-seeds.html", "Inception net: three seeds against the lesson's PyTorch log",
			[]string{"inception", "Go, seed 1", "seeds/inception-seed2", "Go, seed 2", "seeds/inception-seed3", "Go, seed 3"}},
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, p := range pages {
		lessonLog := charts.LessonRun()
		lessonLog.Label = "Inception net, PyTorch (the lesson's log)"
		runs := []charts.Run{lessonLog}
		for i := 0; i < len(p.runs); i += 2 {
			r, err := load(p.runs[i], p.runs[i+1], false)
			if err != nil {
				return err
			}
			runs = append(runs, r)
		}
		fig, err := charts.TrainingCurves(runs, charts.CurveOptions{Title: p.title})
		if err != nil {
			return err
		}
		path := filepath.Join(out, p.file)
		if err := charts.WriteHTML(path, charts.Options{}, fig); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	return nil
}
