package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadArgumentsAreClearErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{nil, "-out is needed"},
		{[]string{"-out", t.TempDir(), "-only", "medium"}, "choose full or quick"},
		{[]string{"-out", filepath.Join(file, "depth")}, "can't be created"},
		{[]string{"-out", t.TempDir(), "-backend", "nosuch"}, "nosuch"},
		{[]string{"-out", t.TempDir(), "-backend", "go", "-data", t.TempDir()}, "make setup"},
		{[]string{"-out", t.TempDir(), "extra"}, "unexpected arguments"},
		{[]string{"-nosuchflag"}, "not defined"},
	}
	for _, tc := range tests {
		err := run(tc.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("depth %v: error %v, want one mentioning %q", tc.args, err, tc.want)
		}
	}
}
