package textcheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/layout/layouttest"
)

var pinRE = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?)==(\S+)$`)

// lockPins reads a pip-compile lock: each requirement "name==version" (with
// its continuation lines) must carry at least one --hash=sha256:, and
// nothing else may be there (no --find-links, no -e, no unpinned line).
// It returns the version of each name, lower-cased, extras dropped.
func lockPins(text string) (map[string]string, error) {
	pins := map[string]string{}
	text = strings.ReplaceAll(text, "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		m := pinRE.FindStringSubmatch(fields[0])
		if m == nil {
			return nil, fmt.Errorf("%q is not a pinned requirement", fields[0])
		}
		hashes := 0
		for _, f := range fields[1:] {
			if !strings.HasPrefix(f, "--hash=sha256:") || len(f) != len("--hash=sha256:")+64 {
				return nil, fmt.Errorf("%s: %q is not a SHA-256 hash", fields[0], f)
			}
			hashes++
		}
		if hashes == 0 {
			return nil, fmt.Errorf("%s has no hash", fields[0])
		}
		name, _, _ := strings.Cut(strings.ToLower(m[1]), "[")
		pins[name] = m[2]
	}
	return pins, nil
}

func TestLockPins(t *testing.T) {
	hash := "--hash=sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name, text string
		want       map[string]string
		wantErr    string
	}{
		{"a lock", "# header\nJupyterLab==4.6.6 \\\n    " + hash + "\n    # via -r requirements.in\nbleach[css]==6.4.0 \\\n    " + hash + " \\\n    " + hash + "\n",
			map[string]string{"jupyterlab": "4.6.6", "bleach": "6.4.0"}, ""},
		{"no hash", "nbclient==0.11.0\n", nil, "nbclient==0.11.0 has no hash"},
		{"a short hash", "nbclient==0.11.0 --hash=sha256:abc\n", nil, "is not a SHA-256 hash"},
		{"unpinned", "nbclient>=0.11 " + hash + "\n", nil, `"nbclient>=0.11" is not a pinned requirement`},
		{"find-links", "--find-links /opt/wheels\n", nil, "is not a pinned requirement"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := lockPins(tc.text)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("lockPins = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// The Python lock that `make python` installs with --require-hashes
// (notebooks/requirements.txt) holds only hashed pins, and pins each
// top-level package at the version notebooks/requirements.in gives: after a
// change to the .in, the lock must be compiled again (docs/setup.md).
func TestPythonLockMatchesItsPins(t *testing.T) {
	root, err := layout.FindRoot("")
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile(filepath.Join(root, "notebooks", "requirements.in"))
	if err != nil {
		t.Fatal(err)
	}
	pins := readLock(t, filepath.Join(root, "notebooks", "requirements.txt"))
	var problems []error
	for _, line := range strings.Split(string(in), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		m := pinRE.FindStringSubmatch(line)
		if m == nil {
			problems = append(problems, fmt.Errorf("requirements.in: %q is not name==version", line))
			continue
		}
		name, _, _ := strings.Cut(strings.ToLower(m[1]), "[")
		if got := pins[name]; got != m[2] {
			problems = append(problems, fmt.Errorf("requirements.in pins %s==%s, the lock has %q", name, m[2], got))
		}
	}
	if err := errors.Join(problems...); err != nil {
		t.Errorf("%v\ncompile the lock again (docs/setup.md, \"Python's lock\")", err)
	}
}

// slowAtImport are packages every Python lock of the project leaves out:
// rfc3987-syntax compiles about 35 Lark grammars when it is imported, which
// cost each JupyterLab, jupyterhub-singleuser and hub start about 3.5 s of
// processor time here, for jsonschema's "iri" format check that no Jupyter
// schema uses (jupyter-server/jupyter_server#1559; docs/setup.md, "Python's
// lock"). The locks are compiled with --unsafe-package for each and installed
// with pip --no-deps.
var slowAtImport = []string{"rfc3987-syntax", "lark"}

func TestPythonLocksLeaveOutTheSlowIRIChecker(t *testing.T) {
	root := layouttest.Path(t)
	var locks []string
	for _, pattern := range []string{"*/requirements.txt", "docker/*/requirements.txt"} {
		found, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		if err != nil {
			t.Fatal(err)
		}
		locks = append(locks, found...)
	}
	if len(locks) == 0 {
		t.Fatal("no requirements.txt found below the repository")
	}
	for _, path := range locks {
		pins := readLock(t, path)
		for _, name := range slowAtImport {
			if v, ok := pins[name]; ok {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s pins %s==%s: compile it with --unsafe-package %s (docs/setup.md, \"Python's lock\")", rel, name, v, name)
			}
		}
	}
}

// The image's lock (docker/image/requirements.txt) holds every package of the
// notebooks' lock at the same version: the image installs its own lock, then
// `make python` installs the notebooks' into the same .venv, which must find
// each package already there (docker/image/requirements.in).
func TestImageLockHoldsTheNotebooksLock(t *testing.T) {
	notebooks := readLock(t, layouttest.Path(t, "notebooks", "requirements.txt"))
	image := readLock(t, layouttest.Path(t, "docker", "image", "requirements.txt"))
	var problems []error
	for name, v := range notebooks {
		if image[name] != v {
			problems = append(problems, fmt.Errorf("%s: the notebooks' lock has %s, the image's %q", name, v, image[name]))
		}
	}
	if err := errors.Join(problems...); err != nil {
		t.Errorf("%v\ncompile docker/image/requirements.txt again from requirements.in (docs/classroom.md, \"Supply chain\")", err)
	}
}

// readLock reads the pip-compile lock at path with lockPins, failing the test
// if it cannot be read or holds anything but hashed pins.
func readLock(t *testing.T, path string) map[string]string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pins, err := lockPins(string(text))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pins
}
