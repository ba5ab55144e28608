package backend

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"
)

// Config is a backend configuration string, parsed once (ParseConfig) into
// the parts every decision about it uses: "<backend>[:<plugin>][,<options>]",
// e.g. "go", "xla:cpu", "xla:cpu,shared_buffers=false", "xla:cuda" or
// "xla:/path/to/pjrt_c_api_cpu_plugin.so".
type Config struct {
	// Backend is the registered backend's name: "go", "xla" (or its aliases
	// "stablehlo", "hlo", "shlo").
	Backend string
	// Plugin is what follows the colon up to the first comma: for the XLA
	// backends the PJRT plugin, by name ("cpu", "cuda") or by path; empty when
	// none is given (go-xla then takes the first plugin it finds).
	Plugin string
	// Options is what follows the first comma, e.g. "shared_buffers=false".
	Options string
}

// xlaNames are the names the XLA backend is registered under.
var xlaNames = []string{xla.BackendName, "stablehlo", "hlo", "shlo"}

// ParseConfig parses a backend configuration string. The empty string is
// the zero Config, which means "let Choose decide"; a backend name that is
// not compiled in is an error.
func ParseConfig(s string) (Config, error) {
	if s == "" {
		return Config{}, nil
	}
	var c Config
	c.Backend, c.Plugin, _ = strings.Cut(s, ":")
	if c.Plugin == "" {
		c.Backend, c.Options, _ = strings.Cut(c.Backend, ",")
	} else {
		c.Plugin, c.Options, _ = strings.Cut(c.Plugin, ",")
	}
	if !slices.Contains(compute.List(), c.Backend) {
		known := compute.List()
		slices.Sort(known)
		return Config{}, fmt.Errorf("unknown backend %q in %q: the backends compiled in are %q, e.g. %s=go or %s=xla:cpu",
			c.Backend, s, known, EnvVar, EnvVar)
	}
	return c, nil
}

// String is the configuration string c was parsed from (in canonical form).
func (c Config) String() string {
	s := c.Backend
	if c.Plugin != "" {
		s += ":" + c.Plugin
	}
	if c.Options != "" {
		s += "," + c.Options
	}
	return s
}

// IsXLA reports whether c is one of the XLA backends.
func (c Config) IsXLA() bool { return slices.Contains(xlaNames, c.Backend) }

// PluginName is the PJRT plugin's short name: Plugin itself when given by
// name, "cpu" for ".../pjrt_c_api_cpu_plugin.so" when given by path, and ""
// when c names no plugin or is not XLA.
func (c Config) PluginName() string {
	if !c.IsXLA() || c.Plugin == "" {
		return ""
	}
	if !filepath.IsAbs(c.Plugin) {
		return c.Plugin
	}
	name := filepath.Base(c.Plugin)
	for _, prefix := range []string{"pjrt_c_api_", "pjrt-plugin-", "pjrt_plugin_"} {
		name = strings.TrimPrefix(name, prefix)
	}
	name = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, ".so"), ".dylib"), "_plugin")
	return name
}

// IsCPUPlugin reports whether c is XLA's CPU plugin, by name or by path
// ("cpu", or a versioned "cpu_v0.83.1"): the plugin that gets the create
// option cpu_device_count = CPUDevices and, for the pinned build, CPUFlags.
func (c Config) IsCPUPlugin() bool {
	name := c.PluginName()
	return name == "cpu" || strings.HasPrefix(name, "cpu_")
}

// createOptions are the PJRT create options c's client gets: cpu_device_count
// for the CPU plugin, none otherwise.
func (c Config) createOptions() pjrt.NamedValuesMap {
	if !c.IsCPUPlugin() {
		return nil
	}
	return pjrt.NamedValuesMap{"cpu_device_count": int64(CPUDevices)}
}

// xlaConfig is the configuration go-xla's constructor takes: the plugin and the options.
func (c Config) xlaConfig() string {
	if c.Options == "" {
		return c.Plugin
	}
	return c.Plugin + "," + c.Options
}
