package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/command/commandtest"
	"github.com/learn-gomlx/advanced-cnn/lib/layout/layouttest"
)

func TestRunArguments(t *testing.T) {
	commandtest.Refuses(t, "plots", run, []commandtest.Refusal{
		{Args: []string{"-colour", "red"}, Want: "flag provided but not defined"},
		{Args: []string{"extra"}, Want: "unexpected arguments"},
		{Args: []string{"-plots", t.TempDir(), "-out", t.TempDir()}, Want: "no such file"}, // no reference runs
	})
}

// The committed runs draw into one page per figure, and stdout has the seed
// table of plots/README.md.
func TestRunDrawsTheCommittedRuns(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr strings.Builder
	if err := run([]string{"-plots", layouttest.Path(t, "plots"), "-out", out}, &stdout, &stderr); err != nil {
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
