package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	}
	for _, tc := range tests {
		err := run(tc.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("train %v: error %v, want one mentioning %q", tc.args, err, tc.want)
		}
	}
}
