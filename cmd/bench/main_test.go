package main

import (
	"io"
	"strings"
	"testing"
)

// TestRefusals checks that impossible settings are refused before anything
// is built or timed.
func TestRefusals(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-rounds", "0"}, "at least 1"},
		{[]string{"-steps", "-5"}, "at least 1"},
		{[]string{"-nets", "vgg"}, "unknown model"},
		{[]string{"extra"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		err := run(tc.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q): error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}
