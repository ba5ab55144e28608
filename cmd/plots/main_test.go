package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-colour", "red"}, "flag provided but not defined"},
		{"stray argument", []string{"extra"}, "unexpected arguments"},
		{"no reference runs", []string{"-plots", t.TempDir(), "-out", t.TempDir()}, "no such file"},
	}
	for _, tc := range tests {
		var out, errOut strings.Builder
		if err := run(tc.args, &out, &errOut); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: run(%q) = %v, want an error containing %q", tc.name, tc.args, err, tc.want)
		}
	}
}

// The committed runs draw into one page per figure, and stdout has the seed
// table of plots/README.md.
func TestRunDrawsTheCommittedRuns(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr strings.Builder
	if err := run([]string{"-plots", "../../plots", "-out", out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"inception.html", "resnet.html", "inception-seeds.html", "resnet-seeds.html", "inception-spread.html", "resnet-spread.html"} {
		data, err := os.ReadFile(filepath.Join(out, page))
		if err != nil || !strings.Contains(string(data), "echarts") {
			t.Errorf("%s: %v, or not a chart page", page, err)
		}
	}
	for _, want := range []string{"| net | framework |", "| inception | Go |", "| resnet | PyTorch |", "wrote " + filepath.Join(out, "resnet-spread.html")} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
}
