// Package commandtest checks what every command in cmd/ promises: a bad
// command line is refused with an error that says what is wrong.
package commandtest

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/command"
)

// Refusal is a command line that a command must refuse, and a piece of the
// message its error must contain.
type Refusal struct {
	Args []string
	Want string
}

// Refuses runs run with each refusal's arguments, its output discarded, and
// reports each one that does not return an error mentioning Want; name is
// the command, for the report.
func Refuses(t testing.TB, name string, run command.Run, refusals []Refusal) {
	t.Helper()
	for _, r := range refusals {
		err := run(r.Args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), r.Want) {
			t.Errorf("%s %q: error %v, want one mentioning %q", name, r.Args, err, r.Want)
		}
	}
}

// PlainFile returns the path of a new empty file in a temporary folder: no
// folder can be created below it.
func PlainFile(t testing.TB) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}
