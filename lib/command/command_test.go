package command

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		want       int
		wantStderr string
	}{
		{"success", nil, 0, ""},
		{"help", flag.ErrHelp, 0, ""},
		{"wrapped help", fmt.Errorf("parsing: %w", flag.ErrHelp), 0, ""},
		{"failure", errors.New("no data"), 1, "demo: no data\n"},
	}
	for _, tc := range tests {
		var stderr strings.Builder
		if got := Status("demo", tc.err, &stderr); got != tc.want || stderr.String() != tc.wantStderr {
			t.Errorf("%s: Status = %d, stderr %q; want %d, %q", tc.name, got, stderr.String(), tc.want, tc.wantStderr)
		}
	}
}

func TestFlagsReturnErrors(t *testing.T) {
	var stderr strings.Builder
	fs := Flags("demo", &stderr)
	n := fs.Int("n", 1, "a number")
	if err := fs.Parse([]string{"-n", "x"}); err == nil {
		t.Error("a bad value gave no error")
	}
	if !strings.Contains(stderr.String(), "Usage of demo") {
		t.Errorf("usage not on stderr: %q", stderr.String())
	}
	if err := fs.Parse([]string{"-n", "3"}); err != nil || *n != 3 {
		t.Errorf("Parse(-n 3): n = %d, %v", *n, err)
	}
}
