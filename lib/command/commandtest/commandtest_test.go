package commandtest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records what is reported instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// refuseN is a command that refuses any -n and accepts the rest.
func refuseN(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "-n" {
		return errors.New("-n must be at least 1")
	}
	return nil
}

func TestRefuses(t *testing.T) {
	tests := []struct {
		name     string
		refusals []Refusal
		want     []string // pieces of the reports, one per refusal not refused as said
	}{
		{"refused as said", []Refusal{{[]string{"-n", "0"}, "at least 1"}}, nil},
		{"not refused", []Refusal{{[]string{"-m"}, "at least 1"}}, []string{`try ["-m"]: error <nil>, want one mentioning "at least 1"`}},
		{"refused for another reason", []Refusal{{[]string{"-n", "0"}, "at most 9"}}, []string{`want one mentioning "at most 9"`}},
		{"each is checked", []Refusal{{[]string{"-m"}, "x"}, {[]string{"-n"}, "least"}, {nil, "y"}}, []string{`["-m"]`, `[]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Refuses(r, "try", refuseN, tc.refusals)
			if len(r.errors) != len(tc.want) {
				t.Fatalf("reported %q, want %d reports", r.errors, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(r.errors[i], w) {
					t.Errorf("report %q, want one mentioning %q", r.errors[i], w)
				}
			}
		})
	}
}

func TestPlainFile(t *testing.T) {
	file := PlainFile(t)
	if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
		t.Fatalf("PlainFile: %v, %v; want an empty regular file", fi, err)
	}
	if err := os.MkdirAll(filepath.Join(file, "run"), 0o755); err == nil {
		t.Error("a folder was created below the file")
	}
}
