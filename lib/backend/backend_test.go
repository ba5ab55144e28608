package backend

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	cpu := "/lib/pjrt_c_api_cpu_plugin.so"
	cuda := "/lib/nvidia/pjrt_c_api_cuda_plugin.so"
	tests := []struct {
		name        string
		env         string
		plugins     map[string]string
		gpu         bool
		wantConfig  string
		wantPlugin  string
		wantReason  string
		wantExplict bool
	}{
		{"env wins", "go", map[string]string{"cpu": cpu}, false, "go", "", "GOMLX_BACKEND is set", true},
		{"env xla plugin path", "xla:cpu", map[string]string{"cpu": cpu}, false, "xla:cpu", cpu, "GOMLX_BACKEND", true},
		{"gpu and cuda", "", map[string]string{"cpu": cpu, "cuda": cuda}, true, "xla:cuda", cuda, "GPU and CUDA plugin", false},
		{"gpu without cuda plugin", "", map[string]string{"cpu": cpu}, true, "xla:cpu", cpu, "no CUDA plugin", false},
		{"cuda plugin without gpu", "", map[string]string{"cpu": cpu, "cuda": cuda}, false, "xla:cpu", cpu, "no NVIDIA GPU", false},
		{"nothing installed", "", map[string]string{}, false, "go", "", "make setup", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := choose(tc.env, tc.plugins, tc.gpu)
			if c.Config != tc.wantConfig || c.Plugin != tc.wantPlugin || c.Explicit != tc.wantExplict {
				t.Errorf("choose = %+v, want config %q plugin %q explicit %v", c, tc.wantConfig, tc.wantPlugin, tc.wantExplict)
			}
			if !strings.Contains(c.Reason, tc.wantReason) {
				t.Errorf("reason %q does not mention %q", c.Reason, tc.wantReason)
			}
			if s := c.String(); !strings.HasPrefix(s, "backend "+tc.wantConfig) || strings.Contains(s, "\n") {
				t.Errorf("String() = %q, want one line starting with %q", s, "backend "+tc.wantConfig)
			}
		})
	}
}

func TestChooseFlag(t *testing.T) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	value := Flag(fs)
	if err := fs.Parse([]string{"-backend", "go"}); err != nil || *value != "go" {
		t.Fatalf("-backend go: %q, %v", *value, err)
	}
	c := ChooseFlag(*value)
	if c.Config != "go" || !c.Explicit || c.Reason != "chosen with -backend" {
		t.Errorf("ChooseFlag(\"go\") = %+v, want the go backend, explicit, chosen with -backend", c)
	}
	if got, want := ChooseFlag(""), Choose(); got.String() != want.String() || got.Explicit != want.Explicit {
		t.Errorf("ChooseFlag(\"\") = %+v, want Choose's %+v", got, want)
	}
}

func TestNewFromUnknownBackendIsAnError(t *testing.T) {
	_, _, err := NewFrom(Choice{Config: "nosuch", Explicit: true})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("NewFrom(nosuch) error = %v, want one naming the backend", err)
	}
}

func TestNewFromFallsBackWhenXLAPluginMissing(t *testing.T) {
	missing := "xla:" + filepath.Join(t.TempDir(), "pjrt_c_api_cpu_plugin.so")
	b, c, err := NewFrom(Choice{Config: missing, Reason: "test"})
	if err != nil {
		t.Fatalf("automatic choice must fall back, got %v", err)
	}
	defer b.Finalize()
	if c.Config != "go" || !strings.Contains(c.Reason, missing+" failed") {
		t.Errorf("fallback choice = %+v, want go with the reason", c)
	}
	if _, _, err := NewFrom(Choice{Config: missing, Explicit: true}); err == nil {
		t.Errorf("an explicit XLA plugin that is missing must be an error")
	}
}

func TestCUDAPluginFor(t *testing.T) {
	tests := []struct {
		driver, want string
		wantErr      bool
	}{
		{"13.0", "cuda13", false}, {"13.1", "cuda13", false}, {"12.4", "cuda12", false},
		{"11.8", "", true}, {"", "", true}, {"x.y", "", true},
	}
	for _, tc := range tests {
		got, err := CUDAPluginFor(tc.driver)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("CUDAPluginFor(%q) = %q, %v; want %q, error %v", tc.driver, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestInstallCUDAPluginAsRefusesUnknownNames(t *testing.T) {
	for _, name := range []string{"", "cpu", "cuda", "cuda11", "CUDA12"} {
		dir := t.TempDir()
		var out strings.Builder
		err := InstallCUDAPluginAs(&out, dir, name)
		if err == nil || !strings.Contains(err.Error(), "cuda12") {
			t.Errorf("InstallCUDAPluginAs(%q) = %v, want an error naming the valid plugins", name, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 || out.Len() != 0 {
			t.Errorf("InstallCUDAPluginAs(%q) touched %s or printed %q before refusing", name, dir, out.String())
		}
	}
}

func TestExtractVerified(t *testing.T) {
	dir := t.TempDir()
	payload := []byte("not really a plugin, but bytes to check")
	sum := sha256.Sum256(payload)
	wheel := filepath.Join(dir, "fake.whl")
	f, err := os.Create(wheel)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("pkg/plugin.so")
	w.Write(payload)
	zw.Close()
	f.Close()

	dst := filepath.Join(dir, "lib", "pjrt_c_api_cpu_plugin.so")
	// A wrong checksum installs nothing.
	if err := ExtractVerified(wheel, "pkg/plugin.so", strings.Repeat("0", 64), dst); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("wrong checksum: error = %v", err)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatalf("a plugin with a wrong checksum was installed")
	}
	if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// A missing member is an error.
	if err := ExtractVerified(wheel, "pkg/other.so", hex.EncodeToString(sum[:]), dst); err == nil {
		t.Fatal("missing member: no error")
	}
	// The right checksum installs it, executable.
	if err := ExtractVerified(wheel, "pkg/plugin.so", hex.EncodeToString(sum[:]), dst); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dst)
	if err != nil || string(got) != string(payload) {
		t.Fatalf("installed %q, %v", got, err)
	}
	if st, _ := os.Stat(dst); st.Mode()&0o100 == 0 {
		t.Errorf("plugin mode %v is not executable", st.Mode())
	}
}

func TestMergeXLAFlags(t *testing.T) {
	add := []string{"--xla_a=true", "--xla_b=-x"}
	tests := []struct {
		name, env, want string
		wantAdded       []string
	}{
		{"unset", "", "--xla_a=true --xla_b=-x", add},
		{"others kept", "--xla_dump_to=/tmp/d", "--xla_dump_to=/tmp/d --xla_a=true --xla_b=-x", add},
		{"the user's value wins", "--xla_a=false", "--xla_a=false --xla_b=-x", []string{"--xla_b=-x"}},
		{"single dash, no value", "-xla_b", "-xla_b --xla_a=true", []string{"--xla_a=true"}},
		{"all set", " --xla_b=y  --xla_a=false ", "--xla_b=y --xla_a=false", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, added := mergeXLAFlags(tc.env, add)
			if got != tc.want || strings.Join(added, " ") != strings.Join(tc.wantAdded, " ") {
				t.Errorf("mergeXLAFlags(%q) = %q, %q; want %q, %q", tc.env, got, added, tc.want, tc.wantAdded)
			}
		})
	}
}

// TestParseConfig is the table of every form of backend configuration and
// what each gets. Before the one parser, two of these cases disagreed with
// the others (their names begin "changed:"):
//   - "xla:cpu,<options>" got cpu_device_count but not the oneDNN flags
//     (CPUFlags) nor its PJRT version in the choice's line;
//   - the CPU plugin by path got neither cpu_device_count nor the flags;
//   - "xla" without a plugin reported the CPU plugin's PJRT version whatever
//     plugin go-xla took; now it reports none, as for any unnamed plugin;
//   - the aliases "stablehlo"/"hlo" with the CPU plugin now get what "xla:cpu" gets.
func TestParseConfig(t *testing.T) {
	cpuPath := "/home/u/.local/lib/go-xla/pjrt_c_api_cpu_plugin.so"
	tests := []struct {
		name, in   string
		want       Config
		wantErr    string
		xla, cpu   bool   // IsXLA; IsCPUPlugin: cpu_device_count and, for the pinned build, CPUFlags
		pluginName string // PluginName, looked up for the PJRT version
	}{
		{name: "pure Go", in: "go", want: Config{Backend: "go"}},
		{name: "changed: XLA, go-xla's first plugin", in: "xla", want: Config{Backend: "xla"}, xla: true},
		{name: "CPU plugin", in: "xla:cpu", want: Config{Backend: "xla", Plugin: "cpu"}, xla: true, cpu: true, pluginName: "cpu"},
		{name: "changed: CPU plugin with options", in: "xla:cpu,shared_buffers=false", want: Config{Backend: "xla", Plugin: "cpu", Options: "shared_buffers=false"},
			xla: true, cpu: true, pluginName: "cpu"},
		{name: "changed: CPU plugin by path", in: "xla:" + cpuPath, want: Config{Backend: "xla", Plugin: cpuPath}, xla: true, cpu: true, pluginName: "cpu"},
		{name: "changed: CPU plugin by path, with options", in: "xla:" + cpuPath + ",shared_buffers=false", want: Config{Backend: "xla", Plugin: cpuPath, Options: "shared_buffers=false"},
			xla: true, cpu: true, pluginName: "cpu"},
		{name: "versioned CPU plugin", in: "xla:cpu_v0.83.1", want: Config{Backend: "xla", Plugin: "cpu_v0.83.1"}, xla: true, cpu: true, pluginName: "cpu_v0.83.1"},
		{name: "changed: alias", in: "stablehlo:cpu", want: Config{Backend: "stablehlo", Plugin: "cpu"}, xla: true, cpu: true, pluginName: "cpu"},
		{name: "CUDA plugin", in: "xla:cuda", want: Config{Backend: "xla", Plugin: "cuda"}, xla: true, pluginName: "cuda"},
		{name: "CUDA plugin by path", in: "xla:/usr/lib/pjrt_c_api_cuda_plugin.so", want: Config{Backend: "xla", Plugin: "/usr/lib/pjrt_c_api_cuda_plugin.so"}, xla: true, pluginName: "cuda"},
		{name: "empty: Choose decides", in: "", want: Config{}},
		{name: "unknown backend", in: "nosuch", wantErr: `unknown backend "nosuch"`},
		{name: "unknown backend with a plugin", in: "tpu:cpu", wantErr: `unknown backend "tpu"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseConfig(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseConfig(%q) = %+v, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseConfig(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
			if got.IsXLA() != tc.xla || got.IsCPUPlugin() != tc.cpu || got.PluginName() != tc.pluginName {
				t.Errorf("IsXLA %v, IsCPUPlugin %v, PluginName %q; want %v, %v, %q", got.IsXLA(), got.IsCPUPlugin(), got.PluginName(), tc.xla, tc.cpu, tc.pluginName)
			}
			if opts := got.createOptions(); (opts["cpu_device_count"] == int64(CPUDevices)) != tc.cpu || (!tc.cpu && opts != nil) {
				t.Errorf("create options %v, want cpu_device_count %d only for the CPU plugin", opts, CPUDevices)
			}
			if !tc.cpu {
				if flags := applyCPUFlags(got); flags != nil {
					t.Errorf("applyCPUFlags(%q) = %q, want nothing", tc.in, flags)
				}
			}
			if c := (Choice{Config: tc.in}); tc.in != "" && c.IsXLA() != tc.xla {
				t.Errorf("Choice.IsXLA = %v, want %v", c.IsXLA(), tc.xla)
			}
		})
	}
}

// cpuPlugin returns the path of the XLA CPU plugin, skipping t where none
// is installed.
func cpuPlugin(t *testing.T) string {
	t.Helper()
	path, ok := Plugins()["cpu"]
	if !ok {
		t.Skip("no XLA CPU plugin installed (`make setup`)")
	}
	return path
}

func TestNewFromGivesThePinnedCPUPluginItsFlags(t *testing.T) {
	cpuPlugin(t)
	t.Setenv(XLAFlagsEnv, "--xla_cpu_enable_fast_math=false")
	b, c, err := NewFrom(Choice{Config: "xla:cpu", Reason: "test", Explicit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if c.PJRTVersion != CPUWheel.PJRTVersion {
		if c.XLAFlags != nil {
			t.Errorf("plugin with PJRT C API %s (not the pinned %s) got flags %q", c.PJRTVersion, CPUWheel.PJRTVersion, c.XLAFlags)
		}
		return
	}
	want := "--xla_cpu_enable_fast_math=false " + strings.Join(CPUFlags, " ")
	if got := os.Getenv(XLAFlagsEnv); got != want || strings.Join(c.XLAFlags, " ") != strings.Join(CPUFlags, " ") {
		t.Errorf("XLA_FLAGS = %q, choice's flags %q; want %q, %q", got, c.XLAFlags, want, CPUFlags)
	}
	if !strings.Contains(c.String(), "XLA_FLAGS += "+CPUFlags[0]) {
		t.Errorf("the choice's line %q does not say which flags it added", c.String())
	}
}

func TestNewFromCreatesTheCPUClientWithOneDevice(t *testing.T) {
	cpuPlugin(t)
	b, c, err := NewFrom(Choice{Config: "xla:cpu", Reason: "test", Explicit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	// XLA's CPU plugin makes 4 devices unless told otherwise.
	if c.CPUDevices != CPUDevices || b.NumDevices() != CPUDevices {
		t.Errorf("choice says %d CPU devices, the backend has %d; want %d", c.CPUDevices, b.NumDevices(), CPUDevices)
	}
	if !strings.Contains(c.String(), "cpu_device_count 1") {
		t.Errorf("the choice's line %q does not say the device count", c.String())
	}
	// The pure-Go backend gets no such option.
	g, gc, err := NewFrom(Choice{Config: "go", Reason: "test", Explicit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Finalize()
	if gc.CPUDevices != 0 {
		t.Errorf("pure-Go backend: CPUDevices %d, want 0", gc.CPUDevices)
	}
}

// The CPU plugin gets one device and, for the pinned build, the oneDNN flags
// in every form: by name, with options, and by path (the last two changed).
func TestNewFromGivesEveryFormOfTheCPUPluginTheSame(t *testing.T) {
	path := cpuPlugin(t)
	for _, config := range []string{"xla:cpu", "xla:cpu,shared_buffers=false", "xla:" + path} {
		t.Run(config, func(t *testing.T) {
			t.Setenv(XLAFlagsEnv, "")
			b, c, err := NewFrom(Choice{Config: config, Reason: "test", Explicit: true})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Finalize()
			if c.CPUDevices != CPUDevices || b.NumDevices() != CPUDevices {
				t.Errorf("choice says %d CPU devices, the backend has %d; want %d", c.CPUDevices, b.NumDevices(), CPUDevices)
			}
			if c.PJRTVersion == "" {
				t.Errorf("no PJRT version in %q", c)
			}
			pinned := c.PJRTVersion == CPUWheel.PJRTVersion
			if got := strings.Join(c.XLAFlags, " "); pinned && got != strings.Join(CPUFlags, " ") {
				t.Errorf("the pinned plugin as %q got flags %q, want %q", config, got, CPUFlags)
			}
		})
	}
}
