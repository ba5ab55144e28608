package backend

import (
	"os"
	"strings"

	"github.com/gomlx/go-xla/pjrt"
)

// XLAFlagsEnv is the environment variable XLA reads its flags from, once per
// process, when the first XLA client starts.
const XLAFlagsEnv = "XLA_FLAGS"

// CPUFlags are the XLA flags NewFrom gives the pinned CPU plugin (CPUWheel):
// convolutions through oneDNN, the library PyTorch's CPU convolutions use,
// instead of YNNPACK or Eigen. Measured on the lesson's training step
// (docs/benchmarks.md): less processor time per step for both nets, with the same
// values (the PyTorch parity tests pass with them). A flag the user already
// sets in XLA_FLAGS, by name, is left as the user set it.
var CPUFlags = []string{
	// Rewrite convolutions into oneDNN custom calls (all but those whose
	// kernel XLA reverses: the input gradients of the 5x5 convolutions).
	"--xla_cpu_experimental_onednn_custom_call=true",
	// The plugin's default sends convolutions of more than 16 channels to
	// YNNPACK first, which is slower here; without it they go to oneDNN.
	"--xla_cpu_experimental_ynn_fusion_type=-individual_convolution",
}

// applyCPUFlags adds CPUFlags to XLA_FLAGS for cfg, when cfg is XLA's CPU
// plugin (by name or by path, with options or without: Config.IsCPUPlugin)
// and that plugin is the pinned build (it reports CPUWheel's PJRT C API
// version): another build may not know these flags, and XLA aborts on an
// unknown flag. It must run before the plugin's first client starts, and
// returns the flags it added.
func applyCPUFlags(cfg Config) []string {
	if !cfg.IsCPUPlugin() {
		return nil
	}
	p, err := pjrt.GetPlugin(cfg.Plugin)
	if err != nil {
		return nil // creating the backend reports it
	}
	if versionOf(p) != CPUWheel.PJRTVersion {
		return nil
	}
	merged, added := mergeXLAFlags(os.Getenv(XLAFlagsEnv), CPUFlags)
	if len(added) == 0 {
		return nil
	}
	if err := os.Setenv(XLAFlagsEnv, merged); err != nil {
		return nil
	}
	return added
}

// mergeXLAFlags returns env (an XLA_FLAGS value) with each flag of add
// appended unless env already sets a flag of that name, and the flags added.
func mergeXLAFlags(env string, add []string) (merged string, added []string) {
	set := map[string]bool{}
	for _, f := range strings.Fields(env) {
		set[flagName(f)] = true
	}
	parts := strings.Fields(env)
	for _, f := range add {
		if !set[flagName(f)] {
			parts = append(parts, f)
			added = append(added, f)
		}
	}
	return strings.Join(parts, " "), added
}

// flagName is "xla_foo" for "--xla_foo=value", "-xla_foo" or "--xla_foo".
func flagName(flag string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(flag, "-"), "=")
	return name
}
