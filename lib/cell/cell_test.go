package cell

import (
	"errors"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	var b strings.Builder
	if got := report(&b, errors.New("no such net \"vgg\"")); got != 1 {
		t.Errorf("exit status %d, want 1", got)
	}
	if want := "error: no such net \"vgg\"\n"; b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
}

// TestCheckEndsTheProgram runs this test binary again as a cell would run:
// Check(nil) goes on, Check(err) ends it with status 1 and the message.
func TestCheckEndsTheProgram(t *testing.T) {
	if os.Getenv("CELL_TEST_CHILD") == "1" {
		Check(nil)
		os.Stdout.WriteString("went on after Check(nil)\n")
		Check(errors.New("the cell's error"))
		os.Stdout.WriteString("went on after Check(err)\n")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCheckEndsTheProgram$")
	cmd.Env = append(os.Environ(), "CELL_TEST_CHILD=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the child ended with %v, want exit status 1", err)
	}
	if got := stdout.String(); !strings.Contains(got, "went on after Check(nil)") || strings.Contains(got, "went on after Check(err)") {
		t.Errorf("stdout %q: want Check(nil) to go on and Check(err) to stop", got)
	}
	if !strings.Contains(stderr.String(), "error: the cell's error") {
		t.Errorf("stderr %q lacks the error's message", stderr.String())
	}
}

// TestStandardLibraryOnly keeps the package light: a notebook's import cell
// links it alone, and an import outside the standard library (GoMLX above
// all) would make that cell link for seconds.
func TestStandardLibraryOnly(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "cell.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range f.Imports {
		path := strings.Trim(imp.Path.Value, `"`)
		if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
			t.Errorf("cell.go imports %s, outside the standard library", path)
		}
	}
}
