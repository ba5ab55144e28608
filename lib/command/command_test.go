package command

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/errtest"
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

// Parse gives the flags their values, and refuses a bad flag or anything
// after the flags with an error that says what.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		n     int
		want  string
		isErr error
	}{
		{args: nil, n: 1},
		{args: []string{"-n", "3"}, n: 3},
		{args: []string{"-n", "3", "extra", "more"}, want: `unexpected arguments ["extra" "more"]: demo takes none`},
		{args: []string{"extra", "-n", "3"}, want: `unexpected arguments ["extra" "-n" "3"]`},
		{args: []string{"-n", "x"}, want: "invalid value"},
		{args: []string{"-h"}, want: "help requested", isErr: flag.ErrHelp},
	} {
		fs := Flags("demo", io.Discard)
		n := fs.Int("n", 1, "a number")
		err := Parse(fs, tc.args)
		if !errtest.Want(t, err, tc.want) {
			if tc.isErr != nil && !errors.Is(err, tc.isErr) {
				t.Errorf("Parse(%q): error %v, want %v", tc.args, err, tc.isErr)
			}
			continue
		}
		if *n != tc.n {
			t.Errorf("Parse(%q): n = %d, want %d", tc.args, *n, tc.n)
		}
	}
}
