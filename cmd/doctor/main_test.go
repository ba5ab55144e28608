package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
	"github.com/learn-gomlx/advanced-cnn/lib/command/commandtest"
)

func TestLabUser(t *testing.T) {
	tests := []struct {
		uid       int
		name      string
		allowRoot bool
		want      string
	}{
		{0, "root", true, "root:"},
		{0, "", true, "root:"},
		{1000, "teacher", false, "teacher, not root"},
		{1000, "", false, "uid 1000, not root"},
	}
	for _, tc := range tests {
		got := labUser(tc.uid, tc.name)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("labUser(%d, %q) = %q, want it to start with %q", tc.uid, tc.name, got, tc.want)
		}
		if says := strings.Contains(got, "passes --allow-root"); says != tc.allowRoot {
			t.Errorf("labUser(%d, %q) = %q: says it passes --allow-root: %v, want %v", tc.uid, tc.name, got, says, tc.allowRoot)
		}
	}
}

func TestRunTakesNoArguments(t *testing.T) {
	commandtest.Refuses(t, "doctor", run, []commandtest.Refusal{{Args: []string{"extra"}, Want: "takes none"}})
}

// In a folder that is not a set-up checkout, the report names what is
// missing, echarts and MNIST among them, and run returns errMissing.
func TestRunInAnEmptyFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	var out, errOut strings.Builder
	err := run(nil, &out, &errOut)
	if !errors.Is(err, errMissing) {
		t.Fatalf("run = %v, want errMissing", err)
	}
	for _, want := range []string{"FAIL  echarts", ".tools/echarts/echarts.min.js missing", "FAIL  MNIST", "fix: make setup"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report does not say %q:\n%s", want, out.String())
		}
	}
}

// The CPU plugin's line says what was verified: a missing or swapped plugin
// fails with the command that fixes it; with ADVCNN_XLA_SOURCE=github the
// swapped one is a warning that calls it unverified.
func TestCPUPluginLine(t *testing.T) {
	swapped := filepath.Join(t.TempDir(), "pjrt_c_api_cpu_plugin.so")
	if err := os.WriteFile(swapped, []byte("not the pinned build"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, source string
		found        map[string]string
		failed       bool
		want         []string
	}{
		{"missing", "", nil, true, []string{"FAIL  XLA CPU plugin", "not found", "fix: make setup"}},
		{"swapped", "", map[string]string{"cpu": swapped}, true,
			[]string{"FAIL  XLA CPU plugin", swapped + " UNVERIFIED", "programs refuse to load it", "fix: rm " + swapped + " && make setup"}},
		{"swapped, accepted", backend.SourceGitHub, map[string]string{"cpu": swapped}, false,
			[]string{"warn  XLA CPU plugin", "UNVERIFIED", "loaded because " + backend.SourceEnvVar + "=github"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(backend.SourceEnvVar, tc.source)
			var out strings.Builder
			r := &report{w: &out}
			r.cpuPlugin(tc.found)
			if r.failed != tc.failed {
				t.Errorf("failed = %v, want %v", r.failed, tc.failed)
			}
			for _, want := range tc.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("line %q does not say %q", out.String(), want)
				}
			}
		})
	}
}
