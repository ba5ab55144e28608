package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	bench := filepath.Join(t.TempDir(), "bench.json")
	if err := os.WriteFile(bench, []byte(`{"cpus": 2, "date": "2026-12-02 03:00 UTC", "runs": [
		{"net": "inception", "concurrent": 1, "pjrt_nproc": "1", "container_peak_memory_mib": 800, "cpu_cores_used": 1}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs strings.Builder
	if err := run([]string{"-bench", bench, "-servers", "8/32"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	// 800 MiB × 1.3 = 1040 MiB → 1.1G; memory (32 - 0.125) / 1.1 = 28; CPU 8 / 0.5 = 16; 16 / 0.6 = 26
	if want := "| 8 cores / 32 GB | 1.1G | 28 | 16 | **26** | CPU |"; !strings.Contains(out.String(), want) {
		t.Errorf("output:\n%s\nwant the row %q", out.String(), want)
	}
}

func TestRunRefuses(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-servers", "8x32"}, "not cores/GB"},
		{[]string{"-bench", filepath.Join(t.TempDir(), "none.json")}, "make class-bench"},
		{[]string{"extra"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		var out, errs strings.Builder
		if err := run(tc.args, &out, &errs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one that says %q", tc.args, err, tc.want)
		}
	}
}
