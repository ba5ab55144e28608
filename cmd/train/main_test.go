package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/command/commandtest"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
	"github.com/learn-gomlx/advanced-cnn/lib/training/trainingtest"
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
	commandtest.Refuses(t, "train", run, []commandtest.Refusal{
		{Args: []string{"-model", "vgg"}, Want: "unknown model"},
		{Args: []string{"-epochs", "0"}, Want: "epochs"},
		{Args: []string{"-batch", "0"}, Want: "batch size"},
		{Args: []string{"-lr", "-1"}, Want: "learning rate"},
		{Args: []string{"-momentum", "2"}, Want: "momentum"},
		{Args: []string{"-backend", "nosuch"}, Want: "nosuch"},
		{Args: []string{"-data", t.TempDir(), "-out", t.TempDir()}, Want: "make setup"},
		{Args: []string{"-out", filepath.Join(commandtest.PlainFile(t), "run")}, Want: "can't be created"},
		{Args: []string{"extra"}, Want: "unexpected arguments"},
		{Args: []string{"-malloc-arenas", "-1"}, Want: "-malloc-arenas"},
	})
}

func TestExport(t *testing.T) {
	run0 := t.TempDir()
	d := trainingtest.Synthetic(20, 1)
	cfg := training.DefaultConfig("resnet")
	cfg.Epochs, cfg.LogEvery = 1, 1
	if _, err := training.Train(backendtest.Get(t, "go"), cfg, d, d, training.Options{OutDir: run0}); err != nil {
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
