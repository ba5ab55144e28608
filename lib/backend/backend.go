// Package backend chooses the GoMLX backend that runs the nets, deliberately
// and visibly: the command-line programs, the notebooks and the tests all call
// New, which says in one line which backend it chose and why.
//
// The order of preference is:
//
//  1. GOMLX_BACKEND, when set, exactly as given (e.g. "go", "xla:cpu", "xla:cuda");
//  2. "xla:cuda", when an NVIDIA GPU and the CUDA PJRT plugin are both present;
//  3. "xla:cpu", when the CPU PJRT plugin is installed (`make setup` installs it);
//  4. "go", GoMLX's pure-Go backend, slower but always available.
//
// It never downloads anything: go-xla's automatic plugin installation is
// turned off, so an offline machine gets a clear message instead of a panic.
package backend

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"
)

// EnvVar is the environment variable that overrides the choice.
const EnvVar = compute.ConfigEnvVar

// Choice is a backend configuration and the reason it was chosen.
type Choice struct {
	// Config is what compute.NewWithConfig receives, e.g. "xla:cpu" or "go".
	Config string
	// Reason says why, in words, e.g. "no NVIDIA GPU; CPU plugin found".
	Reason string
	// Plugin is the PJRT plugin's path, for XLA backends, when known.
	Plugin string
	// PJRTVersion is the PJRT C API version the plugin reports ("0.90"), once the backend is created.
	PJRTVersion string
	// CPUDevices is the number of devices XLA's CPU client was created with
	// (its create option cpu_device_count; CPUDevices), 0 when not set.
	CPUDevices int
	// XLAFlags are the flags NewFrom added to XLA_FLAGS for this backend
	// (CPUFlags, for the pinned CPU plugin), if any.
	XLAFlags []string
	// Check is what VerifyCPUPlugin found about the CPU plugin before
	// NewFrom loaded it; nil for other backends.
	Check *PluginCheck
	// Explicit marks a configuration the user (or a test) asked for by name:
	// if it fails to start, NewFrom returns the error instead of falling back.
	Explicit bool
}

// String is the one-line description programs print: "backend xla:cpu (plugin
// /path/pjrt_c_api_cpu_plugin.so, PJRT C API 0.90): no NVIDIA GPU; CPU plugin found".
func (c Choice) String() string {
	var details []string
	if c.Plugin != "" {
		details = append(details, "plugin "+c.Plugin)
	}
	if c.Check != nil {
		if c.Check.Pinned {
			details = append(details, "SHA-256 verified against the pin")
		} else {
			details = append(details, "UNVERIFIED: not the pinned build, accepted because "+SourceEnvVar+"="+SourceGitHub)
		}
	}
	if c.PJRTVersion != "" {
		details = append(details, "PJRT C API "+c.PJRTVersion)
	}
	if c.CPUDevices > 0 {
		details = append(details, fmt.Sprintf("cpu_device_count %d", c.CPUDevices))
	}
	if len(c.XLAFlags) > 0 {
		details = append(details, "XLA_FLAGS += "+strings.Join(c.XLAFlags, " "))
	}
	s := "backend " + c.Config
	if len(details) > 0 {
		s += " (" + strings.Join(details, ", ") + ")"
	}
	return s + ": " + c.Reason
}

// IsXLA reports whether the choice is one of the XLA backends.
func (c Choice) IsXLA() bool {
	cfg, err := ParseConfig(c.Config)
	return err == nil && cfg.IsXLA()
}

// Plugins returns the PJRT plugins go-xla can find, by name ("cpu", "cuda")
// to path, searched as go-xla does: PJRT_PLUGIN_LIBRARY_PATH if set, else
// ~/.local/lib/go-xla, /usr/local/lib/go-xla and the system library path.
func Plugins() map[string]string {
	return pjrt.AvailablePlugins()
}

// HasNVIDIAGPU reports whether the NVIDIA kernel driver sees a GPU.
func HasNVIDIAGPU() bool {
	if _, err := os.Stat("/proc/driver/nvidia/version"); err == nil {
		return true
	}
	matches, _ := filepath.Glob("/dev/nvidia[0-9]*")
	return len(matches) > 0
}

// Choose picks the backend configuration without loading anything.
func Choose() Choice {
	return choose(os.Getenv(EnvVar), Plugins(), HasNVIDIAGPU())
}

// Flag declares a program's -backend flag on fs; ChooseFlag turns its value
// into a Choice.
func Flag(fs *flag.FlagSet) *string {
	return fs.String("backend", "", "GoMLX backend: go, xla:cpu, xla:cuda (default: chosen automatically, see `make doctor`)")
}

// ChooseFlag is a program's -backend flag (Flag): the backend it names when
// it is set, else Choose's.
func ChooseFlag(flag string) Choice {
	if flag != "" {
		return Choice{Config: flag, Reason: "chosen with -backend", Explicit: true}
	}
	return Choose()
}

func choose(env string, plugins map[string]string, gpu bool) Choice {
	if env != "" {
		c := Choice{Config: env, Reason: EnvVar + " is set", Explicit: true}
		if cfg, err := ParseConfig(env); err == nil && cfg.IsXLA() {
			if p, found := plugins[cfg.Plugin]; found {
				c.Plugin = p
			} else if filepath.IsAbs(cfg.Plugin) {
				c.Plugin = cfg.Plugin
			}
		}
		return c
	}
	cuda, hasCUDA := plugins["cuda"]
	cpu, hasCPU := plugins["cpu"]
	switch {
	case gpu && hasCUDA:
		return Choice{Config: "xla:cuda", Plugin: cuda, Reason: "NVIDIA GPU and CUDA plugin found"}
	case gpu && hasCPU:
		return Choice{Config: "xla:cpu", Plugin: cpu, Reason: "NVIDIA GPU found but no CUDA plugin (run `make setup` to install it); CPU plugin found"}
	case hasCPU:
		return Choice{Config: "xla:cpu", Plugin: cpu, Reason: "no NVIDIA GPU; CPU plugin found"}
	}
	return Choice{Config: gobackend.BackendName,
		Reason: "no XLA PJRT plugin found (run `make setup` to install the CPU plugin); using GoMLX's pure-Go backend, which is much slower"}
}

// New creates the chosen backend. It never panics and never downloads. When
// the automatically chosen XLA backend fails to start, it falls back to the
// pure-Go backend and says why; a backend named in GOMLX_BACKEND that fails is
// an error.
func New() (compute.Backend, Choice, error) {
	return NewFrom(Choose())
}

// NewFrom creates the backend of a given choice, as New does.
func NewFrom(c Choice) (compute.Backend, Choice, error) {
	xla.EnableAutoInstall(false)
	cfg, err := ParseConfig(c.Config)
	if err != nil {
		return nil, c, fmt.Errorf("backend %q can't start: %w", c.Config, err)
	}
	// The CPU plugin is verified before it is loaded, whether chosen or
	// named, or when go-xla may pick it ("xla" without a plugin): a plugin
	// that is not the pinned build is an error, never a fallback, since
	// loading it runs its code.
	if cfg.IsCPUPlugin() || cfg.IsXLA() && cfg.Plugin == "" {
		// A plugin file that isn't there is left to go-xla, whose error
		// NewFrom reports or falls back from, as for any plugin that fails.
		if path := pluginPath(cfg); path != "" && fileExists(path) {
			check, err := VerifyCPUPlugin(path)
			if err != nil {
				return nil, c, err
			}
			if cfg.IsCPUPlugin() {
				c.Plugin, c.Check = path, &check
			}
		}
	}
	c.XLAFlags = applyCPUFlags(cfg)
	b, devices, err := create(cfg)
	if err == nil {
		c.PJRTVersion, c.CPUDevices = pluginVersion(cfg), devices
		return b, c, nil
	}
	if c.Explicit || !cfg.IsXLA() {
		return nil, c, fmt.Errorf("backend %q can't start: %w (unset %s to let the program choose, or run `make doctor`)", c.Config, err, EnvVar)
	}
	fallback := Choice{Config: gobackend.BackendName,
		Reason: fmt.Sprintf("%s failed to start (%v); using GoMLX's pure-Go backend, run `make doctor`", c.Config, err)}
	b, _, err2 := create(Config{Backend: gobackend.BackendName})
	if err2 != nil {
		return nil, c, errors.Join(err, err2)
	}
	return b, fallback, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// pluginPath is the file of cfg's plugin: cfg.Plugin when it is a path,
// else the one go-xla finds by that name, or "" when there is none (loading
// it then fails with go-xla's own error).
func pluginPath(cfg Config) string {
	if filepath.IsAbs(cfg.Plugin) {
		return cfg.Plugin
	}
	name := cfg.Plugin
	if name == "" {
		name = "cpu"
	}
	return Plugins()[name]
}

// CPUDevices is the device count XLA's CPU client is created with (the PJRT
// create option cpu_device_count). The nets run on one device; XLA's default
// of 4 devices also sizes its thread pools to at least 4 threads, more than
// this project's 2-core machine or a classroom server's share per student
// has. Measured on the training step (docs/benchmarks.md): 10 % less time
// than with 4 devices, and PJRT_NPROC=1 then really means one thread.
const CPUDevices = 1

// create makes the backend of cfg, turning panics into errors. XLA's CPU
// plugin, by name or by path, gets its create options (Config.createOptions:
// cpu_device_count = CPUDevices), and devices says so; a plugin that refuses
// the options is created with its defaults.
func create(cfg Config) (b compute.Backend, devices int, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, devices, err = nil, 0, fmt.Errorf("%v", r)
		}
	}()
	if opts := cfg.createOptions(); opts != nil {
		xb, err := xla.NewWithOptions(cfg.xlaConfig(), opts)
		if err == nil {
			return xb, CPUDevices, nil
		}
	}
	b, err = compute.NewWithConfig(cfg.String())
	return b, 0, err
}

// pluginVersion returns the PJRT C API version of cfg's loaded plugin, if
// cfg names one (by name or by path).
func pluginVersion(cfg Config) string {
	if !cfg.IsXLA() || cfg.Plugin == "" {
		return ""
	}
	p, err := pjrt.GetPlugin(cfg.Plugin)
	if err != nil {
		return ""
	}
	return versionOf(p)
}

// versionOf is the PJRT C API version a loaded plugin reports, e.g. "0.115".
func versionOf(p *pjrt.Plugin) string {
	major, minor := p.Version()
	return fmt.Sprintf("%d.%d", major, minor)
}
