package main

import (
	"errors"
	"strings"
	"testing"
)

// Every way of calling setup wrongly is an error that says what is wrong,
// before anything is installed.
func TestRunRefusesBadArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no step", nil, "usage: setup mnist|xla|cuda"},
		{"unknown step", []string{"torch"}, `unknown step "torch"`},
		{"unknown mnist flag", []string{"mnist", "-mirror", "x"}, "flag provided but not defined"},
		{"unknown xla flag", []string{"xla", "-force"}, "flag provided but not defined"},
		{"xla with arguments", []string{"xla", "now"}, "xla takes no arguments besides -source"},
		{"unknown plugin source", []string{"xla", "-source", "conda"}, `unknown plugin source "conda"`},
		{"unknown CUDA plugin", []string{"cuda", "-plugin", "cuda11"}, "cuda12"},
	}
	for _, tc := range tests {
		var out, errOut strings.Builder
		err := run(tc.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: run(%q) = %v, want an error containing %q", tc.name, tc.args, err, tc.want)
		}
		if tc.args == nil && !errors.Is(err, errUsage) {
			t.Errorf("no step: %v is not errUsage", err)
		}
		if out.Len() != 0 {
			t.Errorf("%s: printed %q before refusing", tc.name, out.String())
		}
	}
}
