package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakePlugin writes a small file named as the CPU plugin into a new folder:
// not the pinned build, and not loadable.
func fakePlugin(t *testing.T) (path, sum string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "pjrt_c_api_cpu_plugin.so")
	content := []byte("a swapped plugin")
	if err := os.WriteFile(path, content, 0o755); err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(content)
	return path, hex.EncodeToString(s[:])
}

// A plugin is pinned only when its digest is the pin, and a program loads
// one that is not only with ADVCNN_XLA_SOURCE=github.
func TestCheckPluginAndAccept(t *testing.T) {
	path, sum := fakePlugin(t)
	tests := []struct {
		name, pin, source string
		pinned            bool
		refused           bool
	}{
		{"the pinned digest", sum, SourcePyPI, true, false},
		{"the pinned digest, source github", sum, SourceGitHub, true, false},
		{"another digest", CPUWheel.SHA256, SourcePyPI, false, true},
		{"another digest, source github", CPUWheel.SHA256, SourceGitHub, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := CheckPlugin(path, tc.pin)
			if err != nil {
				t.Fatal(err)
			}
			if c.Pinned != tc.pinned || c.SHA256 != sum || c.Path != path {
				t.Fatalf("CheckPlugin = %+v, want pinned %v, SHA-256 %s", c, tc.pinned, sum)
			}
			err = c.accept(tc.source)
			if tc.refused != (err != nil) {
				t.Fatalf("accept(%s) = %v, want refused %v", tc.source, err, tc.refused)
			}
			if err != nil && (!errors.Is(err, ErrPluginNotPinned) || !strings.Contains(err.Error(), "rm "+path+" && make setup")) {
				t.Errorf("refusal %q does not wrap ErrPluginNotPinned or say what to run", err)
			}
			if want := map[bool]string{true: " verified: ", false: " UNVERIFIED: "}[c.Pinned]; !strings.Contains(c.String(), want) {
				t.Errorf("String() = %q, want it to contain %q", c, want)
			}
		})
	}
	if _, err := CheckPlugin(filepath.Join(t.TempDir(), "none.so"), sum); err == nil {
		t.Error("a missing plugin: no error")
	}
}

// A swapped CPU plugin is refused before it is loaded, by name or by path,
// chosen or named: an error saying what to run, not a fallback. With
// ADVCNN_XLA_SOURCE=github it is loaded (and here fails as the fake it is).
func TestNewFromRefusesASwappedCPUPlugin(t *testing.T) {
	path, _ := fakePlugin(t)
	for _, explicit := range []bool{false, true} {
		b, c, err := NewFrom(Choice{Config: "xla:" + path, Reason: "test", Explicit: explicit})
		if !errors.Is(err, ErrPluginNotPinned) || b != nil {
			t.Fatalf("explicit %v: NewFrom = %v, %+v, %v; want an error wrapping ErrPluginNotPinned", explicit, b, c, err)
		}
	}
	if _, err := VerifyCPUPlugin(path); !errors.Is(err, ErrPluginNotPinned) {
		t.Errorf("VerifyCPUPlugin: %v, want ErrPluginNotPinned", err)
	}
	t.Setenv(SourceEnvVar, SourceGitHub)
	check, err := VerifyCPUPlugin(path)
	if err != nil || check.Pinned {
		t.Fatalf("with %s=%s: VerifyCPUPlugin = %+v, %v; want it accepted, unverified", SourceEnvVar, SourceGitHub, check, err)
	}
	_, _, err = NewFrom(Choice{Config: "xla:" + path, Reason: "test", Explicit: true})
	if err == nil || errors.Is(err, ErrPluginNotPinned) {
		t.Errorf("with %s=%s the fake plugin should reach go-xla and fail to load, got %v", SourceEnvVar, SourceGitHub, err)
	}
	t.Setenv(SourceEnvVar, "conda")
	if _, err := VerifyCPUPlugin(path); err == nil || !strings.Contains(err.Error(), SourceEnvVar+`="conda"`) {
		t.Errorf("an unknown source: %v", err)
	}
}

// The installed plugin, when found, is verified and never replaced; go-xla's
// installer runs only with SourceGitHub, and its plugin is called unverified.
// Nothing here touches the network.
func TestInstallCPUPlugin(t *testing.T) {
	tampered, _ := fakePlugin(t)
	writeFake := func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "pjrt_c_api_cpu_plugin.so"), []byte("from GitHub"), 0o755)
	}
	fails := func(string) error { return errors.New("GitHub unreachable") }
	tests := []struct {
		name    string
		source  string
		found   map[string]string
		goXLA   func(string) error
		wantErr string // "" for none
		wantOut string
	}{
		{"a swapped plugin, default source", SourcePyPI, map[string]string{"cpu": tampered}, fails, "rm " + tampered + " && make setup", ""},
		{"a swapped plugin, source github", SourceGitHub, map[string]string{"cpu": tampered}, fails, "", "already installed: " + tampered + " UNVERIFIED"},
		{"go-xla's installer", SourceGitHub, nil, writeFake, "", "UNVERIFIED"},
		{"go-xla's installer fails", SourceGitHub, nil, fails, "unset " + SourceEnvVar, ""},
		{"unknown source", "conda", nil, fails, `unknown plugin source "conda"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var out strings.Builder
			err := installCPUPlugin(&out, dir, t.TempDir(), tc.source, tc.found, tc.goXLA)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("printed %q, want %q", out.String(), tc.wantOut)
			}
			if got, _ := os.ReadFile(tampered); string(got) != "a swapped plugin" {
				t.Errorf("the installed plugin was changed")
			}
		})
	}
}

// BenchmarkCheckCPUPlugin is what verifying the installed plugin costs a
// program: one SHA-256 of the file (docs/backends.md, "The CPU plugin").
func BenchmarkCheckCPUPlugin(b *testing.B) {
	path, ok := Plugins()["cpu"]
	if !ok {
		b.Skip("no XLA CPU plugin installed (`make setup`)")
	}
	for b.Loop() {
		c, err := CheckPlugin(path, CPUWheel.SHA256)
		if err != nil || !c.Pinned {
			b.Fatalf("the installed plugin: %+v, %v", c, err)
		}
	}
}
