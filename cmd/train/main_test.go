package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
	"github.com/learn-gomlx/advanced-cnn/lib/weights"
)

func TestSummaryPrintsTheLessonsParameterCounts(t *testing.T) {
	for model, want := range map[string]string{"inception": "97,298", "resnet": "41,514"} {
		var out bytes.Buffer
		if err := run([]string{"-model", model, "-summary"}, &out, io.Discard); err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		if !strings.Contains(out.String(), "trainable parameters: "+want) || !strings.HasPrefix(out.String(), "backend ") {
			t.Errorf("%s -summary printed:\n%s\nwant the backend line first and %s trainable parameters", model, out.String(), want)
		}
	}
}

func TestBadArgumentsAreClearErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-model", "vgg"}, "unknown model"},
		{[]string{"-epochs", "0"}, "epochs"},
		{[]string{"-batch", "0"}, "batch size"},
		{[]string{"-lr", "-1"}, "learning rate"},
		{[]string{"-momentum", "2"}, "momentum"},
		{[]string{"-backend", "nosuch"}, "nosuch"},
		{[]string{"-data", t.TempDir(), "-out", t.TempDir()}, "make setup"},
		{[]string{"-out", filepath.Join(file, "run")}, "can't be created"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-malloc-arenas", "-1"}, "-malloc-arenas"},
	}
	for _, tc := range tests {
		err := run(tc.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("train %v: error %v, want one mentioning %q", tc.args, err, tc.want)
		}
	}
}

func TestExport(t *testing.T) {
	run0 := t.TempDir()
	d := &mnist.Dataset{N: 20, Pixels: make([]uint8, 20*mnist.ImageSize), Labels: make([]int32, 20)}
	for i := range d.Labels {
		d.Labels[i] = int32(i % 10)
		d.Pixels[i*mnist.ImageSize+i] = 255
	}
	cfg := training.DefaultConfig("resnet")
	cfg.Epochs, cfg.LogEvery = 1, 1
	b, _, err := backend.NewFrom(backend.Choice{Config: "go", Explicit: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := training.Train(b, cfg, d, d, training.Options{OutDir: run0}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "weights")
	var out bytes.Buffer
	if err := run([]string{"-out", run0, "-export", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "41,514 parameters") {
		t.Errorf("-export printed %q, want the 41,514 parameters of resnet", out.String())
	}
	if _, err := weights.Load(dir); err != nil {
		t.Errorf("the exported weights don't load: %v", err)
	}
	if err := run([]string{"-out", t.TempDir(), "-export", dir}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Errorf("-export of a folder without a checkpoint: error %v", err)
	}
}
