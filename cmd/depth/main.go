// Command depth runs notebook 04's experiment (package depth): plain,
// He-initialised plain, residual and pre-activation residual nets of several
// depths, each trained for a few hundred steps with the lesson's recipe, and
// writes the report, with its date, backend, seed and command, as JSON.
//
//	go run ./cmd/depth -out plots/depth            # both experiments: full.json and quick.json
//	go run ./cmd/depth -out plots/depth -only quick
package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
	"github.com/learn-gomlx/advanced-cnn/lib/command"
	"github.com/learn-gomlx/advanced-cnn/lib/depth"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

func main() { command.Main("depth", run) }

// experiments are the experiments the command knows, by the name of their file.
var experiments = map[string]func() depth.Experiment{"full": depth.Full, "quick": depth.Quick}

// run is the program: it writes a line per trained net to stdout and the
// reports to -out.
func run(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags("depth", stderr)
	out := fs.String("out", "", "folder for the reports, <name>.json (plots/depth is the committed one)")
	only := fs.String("only", "", "run only this experiment: full or quick (default: both)")
	dataDir := mnist.DirFlag(fs)
	backendFlag := backend.Flag(fs)
	if err := command.Parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out is needed: the folder the reports go to, e.g. plots/depth")
	}
	names := []string{"full", "quick"}
	if *only != "" {
		if _, ok := experiments[*only]; !ok {
			return fmt.Errorf("-only %q: choose full or quick", *only)
		}
		names = []string{*only}
	}
	if err := training.CheckWritableDir(*out); err != nil {
		return err
	}
	b, choice, err := backend.NewFrom(backend.ChooseFlag(*backendFlag))
	if err != nil {
		return err
	}
	defer b.Finalize()
	fmt.Fprintln(stdout, choice)
	trainSet, testSet, err := mnist.LoadBoth(*dataDir)
	if err != nil {
		return err
	}
	command := "go run ./cmd/depth " + strings.Join(args, " ")
	for _, name := range names {
		e := experiments[name]()
		fmt.Fprintf(stdout, "%s: depths %v, kinds %q, %d steps, seed %d\n", name, e.Depths, e.Kinds, e.Steps, e.Seed)
		rep, err := e.Run(b, choice.Config, trainSet, testSet, stdout)
		if err != nil {
			return err
		}
		rep.Command = command
		path := filepath.Join(*out, name+".json")
		if err := rep.Save(path); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d nets in %.0f s (%.0f s of processor time), written to %s\n", name, len(rep.Results), rep.Seconds, rep.CPUSeconds, path)
	}
	return nil
}
