// Command doctor prints one screen saying what works and what to do about
// what doesn't: Go, the GoNB kernel's tools, JupyterLab and the kernel, the
// MNIST files, the offline echarts library, the compute backend and the GPU.
// It exits with status 1 when something required is missing; each failing
// line names its fix. `make doctor` runs it.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
	"github.com/learn-gomlx/advanced-cnn/lib/charts"
	"github.com/learn-gomlx/advanced-cnn/lib/command"
	"github.com/learn-gomlx/advanced-cnn/lib/lesson"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
)

// errMissing is run's error when something required is missing.
var errMissing = errors.New("something required is missing: run the fixes above, then `make doctor` again")

// report prints the doctor's lines to w and remembers whether one failed.
type report struct {
	w      io.Writer
	failed bool
}

func (r *report) line(status, what, detail, fix string) {
	if status == "FAIL" {
		r.failed = true
	}
	s := fmt.Sprintf("%-4s  %-16s %s", status, what, detail)
	if fix != "" {
		s += "\n      " + strings.Repeat(" ", 17) + "fix: " + fix
	}
	fmt.Fprintln(r.w, s)
}

func main() { command.Main("doctor", run) }

// run is the program: the report to stdout, and an error when something
// required is missing. It takes no arguments.
func run(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags("doctor", stderr)
	if err := command.Parse(fs, args); err != nil {
		return err
	}
	r := &report{w: stdout}
	fmt.Fprintln(stdout, "advanced-cnn doctor: what this machine has for the lesson")
	fmt.Fprintln(stdout)

	// Go.
	if p, err := exec.LookPath("go"); err == nil {
		out, _ := exec.Command(p, "version").Output()
		r.line("ok", "Go", strings.TrimSpace(string(out))+" ("+p+")", "")
	} else {
		r.line("FAIL", "Go", "go is not on PATH", "install Go 1.26 from https://go.dev/dl/")
	}

	// The kernel's tools.
	for _, tool := range []string{"gonb", "goimports", "gopls"} {
		if p, err := exec.LookPath(tool); err == nil {
			r.line("ok", tool, p, "")
		} else if _, err := os.Stat(filepath.Join(".tools/bin", tool)); err == nil {
			r.line("FAIL", tool, "installed in .tools/bin but not on PATH", "run through make (`make doctor`, `make lab`), which puts .tools/bin on PATH")
		} else {
			r.line("FAIL", tool, "not installed", "make setup")
		}
	}

	// JupyterLab and the GoNB kernel.
	jupyter := ".venv/bin/jupyter"
	if out, err := exec.Command(jupyter, "lab", "--version").Output(); err == nil {
		r.line("ok", "JupyterLab", strings.TrimSpace(string(out))+" (.venv)", "")
		if kernel, err := gonbKernel(jupyter); err == nil {
			r.line("ok", "GoNB kernel", kernel, "")
		} else {
			r.line("FAIL", "GoNB kernel", err.Error(), "make setup")
		}
	} else {
		r.line("FAIL", "JupyterLab", "not installed in .venv", "make setup")
	}

	// Who runs JupyterLab: as root, `make lab` (tools/lab.sh) adds --allow-root.
	r.line("ok", "user", labUser(os.Geteuid(), os.Getenv("USER")), "")

	// Quick mode, when set: the notebooks then train for a minute instead of the lesson's 10 epochs.
	if quick, err := lesson.Quick(); err != nil {
		r.line("FAIL", "quick mode", err.Error(), "unset "+lesson.EnvQuick+", or set it to 1 or 0")
	} else if quick {
		r.line("ok", "quick mode", fmt.Sprintf("on (%s): the notebooks train %d epoch instead of the lesson's 10", lesson.EnvQuick, lesson.QuickEpochs), "")
	}

	// The browser test of `make test` (not needed to use the notebooks).
	if p, err := exec.LookPath("chromium"); err == nil {
		r.line("ok", "chromium", p+" (for make test's browser test)", "")
	} else if os.Getenv("ADVCNN_CHROMIUM") != "" {
		r.line("ok", "chromium", "$ADVCNN_CHROMIUM="+os.Getenv("ADVCNN_CHROMIUM")+" (for make test's browser test)", "")
	} else {
		fix := "sudo apt-get install chromium"
		if os.Geteuid() == 0 {
			fix = "make test installs it (apt-get install chromium)"
		}
		r.line("warn", "chromium", "not installed: make test's browser test needs it (JupyterLab does not)", fix)
	}

	// MNIST.
	statuses, _ := mnist.Verify("data")
	for _, s := range statuses {
		if s.OK() {
			r.line("ok", "MNIST", s.Path+" verified (MD5 "+s.File.MD5[:8]+"…)", "")
		} else {
			r.line("FAIL", "MNIST", s.Err.Error(), "make setup")
		}
	}

	// echarts, against its pin.
	r.echarts()

	// Backend.
	b, choice, err := backend.New()
	if err != nil {
		r.line("FAIL", "compute", err.Error(), "unset GOMLX_BACKEND or make setup")
	} else {
		b.Finalize()
		status, fix := "ok", ""
		if !choice.IsXLA() {
			status, fix = "FAIL", "make setup (installs XLA's CPU plugin)"
		}
		r.line(status, "compute", choice.String(), fix)
	}
	r.cpuPlugin(backend.Plugins())

	// GPU.
	if backend.HasNVIDIAGPU() {
		driver, err := backend.DriverCUDAVersion()
		if err != nil {
			r.line("warn", "GPU", "NVIDIA device found, but "+err.Error(), "check the NVIDIA driver")
		} else if p, ok := backend.Plugins()["cuda"]; ok {
			r.line("ok", "GPU", "NVIDIA, driver supports CUDA "+driver+"; CUDA plugin "+p, "")
		} else {
			r.line("warn", "GPU", "NVIDIA, driver supports CUDA "+driver+", but no CUDA plugin", "make setup")
		}
	} else {
		r.line("ok", "GPU", "none (training runs on the CPU)", "")
	}

	fmt.Fprintf(stdout, "\n%s/%s, %d CPU cores\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	if r.failed {
		return errMissing
	}
	fmt.Fprintln(stdout, "All set: `make lab` opens the notebooks, `make test` runs the tests.")
	return nil
}

// cpuPlugin says whether the XLA CPU plugin programs would load is the
// pinned build: its SHA-256 against backend.CPUWheel's, as programs check it.
// found is the plugins go-xla finds (backend.Plugins).
func (r *report) cpuPlugin(found map[string]string) {
	p, ok := found["cpu"]
	if !ok {
		r.line("FAIL", "XLA CPU plugin", "not found in ~/.local/lib/go-xla, /usr/local/lib/go-xla or PJRT_PLUGIN_LIBRARY_PATH", "make setup")
		return
	}
	check, err := backend.VerifyCPUPlugin(p)
	switch {
	case errors.Is(err, backend.ErrPluginNotPinned):
		r.line("FAIL", "XLA CPU plugin", check.String()+": programs refuse to load it", "rm "+p+" && make setup")
	case err != nil:
		r.line("FAIL", "XLA CPU plugin", err.Error(), "make setup")
	case !check.Pinned:
		r.line("warn", "XLA CPU plugin", check.String()+"; loaded because "+backend.SourceEnvVar+"="+backend.SourceGitHub,
			"unset "+backend.SourceEnvVar+", rm "+p+" && make setup, for the pinned build")
	default:
		r.line("ok", "XLA CPU plugin", check.String(), "")
	}
}

// echarts checks the installed echarts library against its pin (lib/charts/echarts.pin).
func (r *report) echarts() {
	pin, err := charts.EchartsPin()
	if err != nil {
		r.line("FAIL", "echarts", err.Error(), "restore lib/charts/echarts.pin from git")
		return
	}
	if sum, err := backend.FileSHA256(pin.Path); err != nil {
		r.line("FAIL", "echarts", pin.Path+" missing: charts can't render offline", "make setup")
	} else if sum != pin.SHA256 {
		r.line("FAIL", "echarts", pin.Path+" has an unexpected checksum", "rm "+pin.Path+" && make setup")
	} else {
		r.line("ok", "echarts", pin.Path+" "+pin.Version+" verified", "")
	}
}

// gonbKernel returns the GoNB kernelspec's folder as JupyterLab sees it.
func gonbKernel(jupyter string) (string, error) {
	out, err := exec.Command(jupyter, "kernelspec", "list", "--json").Output()
	if err != nil {
		return "", fmt.Errorf("jupyter kernelspec list failed: %v", err)
	}
	var specs struct {
		Kernelspecs map[string]struct {
			ResourceDir string `json:"resource_dir"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &specs); err != nil {
		return "", err
	}
	k, ok := specs.Kernelspecs["gonb"]
	if !ok {
		return "", fmt.Errorf("JupyterLab has no gonb kernel")
	}
	return k.ResourceDir, nil
}

// labUser says how `make lab` starts JupyterLab for the user with this id:
// JupyterLab refuses to run as root unless given --allow-root, so tools/lab.sh
// passes it then, and only then.
func labUser(uid int, name string) string {
	if uid == 0 {
		return "root: `make lab` passes --allow-root to JupyterLab, which refuses root otherwise"
	}
	if name == "" {
		name = fmt.Sprintf("uid %d", uid)
	}
	return name + ", not root: `make lab` starts JupyterLab without --allow-root"
}
