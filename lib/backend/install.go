package backend

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/gomlx/go-xla/installer"

	"github.com/learn-gomlx/advanced-cnn/lib/atomicfile"
)

// Wheel pins a PJRT plugin shipped inside a PyPI wheel.
type Wheel struct {
	Package     string // PyPI package name
	Version     string
	File        string // wheel file name
	WheelSHA256 string // of the .whl, checked by pip --require-hashes and again here
	Member      string // path of the plugin library inside the wheel
	SHA256      string // of the plugin library
	PJRTVersion string // PJRT C API version the plugin reports
}

// CPUWheel is the XLA CPU PJRT plugin that set-up installs by default, from
// PyPI: of the PyPI wheels carrying XLA's CPU plugin with a PJRT C API at or
// above go-xla v0.4.1's (0.104), the one built from a named jaxlib release,
// and the smallest. Its SHA256 is also what programs check the installed
// plugin against before loading it (VerifyCPUPlugin). See docs/backends.md,
// "The CPU plugin".
var CPUWheel = Wheel{
	Package:     "lammps-jax-pjrt-cpu",
	Version:     "0.11.2",
	File:        "lammps_jax_pjrt_cpu-0.11.2-py3-none-manylinux_2_27_x86_64.whl",
	WheelSHA256: "1319390d948b39f69f7dade496b7c385149d9ca6097a6b62114da113216d9ad1",
	Member:      "lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so",
	SHA256:      "ad1309ac822b1b24d51b7f9947c7c9fa9ef5d67f390584cbc3d1fa2428fed9c2",
	PJRTVersion: "0.115",
}

// CUDAPluginVersion pins the version of PyPI's jax-cuda12-pjrt / jax-cuda13-pjrt
// that set-up installs, with go-xla's installer, on a machine with an NVIDIA GPU.
const CUDAPluginVersion = "0.12.0.1"

// PluginDir is where set-up installs plugins and where go-xla looks by
// default: ~/.local/lib/go-xla on Linux.
func PluginDir() (string, error) {
	lib, err := installer.DefaultHomeLibPath()
	if err != nil {
		return "", err
	}
	return filepath.Join(lib, "go-xla"), nil
}

// InstallCPUPlugin makes sure the XLA CPU PJRT plugin is installed in dir,
// printing what it does to w, from source (PluginSource: SourcePyPI or
// SourceGitHub). A plugin go-xla already finds is verified, not replaced: the
// pinned build is kept, another is an error saying what to run (or, with
// SourceGitHub, kept and called unverified). Otherwise SourcePyPI downloads
// the pinned wheel CPUWheel with pip into cacheDir (pip checks the wheel's
// SHA-256) and installs the plugin in dir only once its own SHA-256 is
// verified; SourceGitHub runs go-xla's installer, which checks no checksum,
// and says whether what it installed happens to be the pinned build.
func InstallCPUPlugin(w io.Writer, dir, cacheDir, source string) error {
	return installCPUPlugin(w, dir, cacheDir, source, Plugins(), goXLAInstall)
}

// goXLAInstall is go-xla's own CPU plugin installer (GitHub releases).
func goXLAInstall(dir string) error { return installer.CPUAutoInstall(dir, true, installer.Quiet) }

// installCPUPlugin is InstallCPUPlugin with the plugins found and go-xla's
// installer given, for tests.
func installCPUPlugin(w io.Writer, dir, cacheDir, source string, found map[string]string, goXLA func(dir string) error) error {
	if source != SourcePyPI && source != SourceGitHub {
		return fmt.Errorf("unknown plugin source %q: use %s (the pinned PyPI wheel) or %s (go-xla's installer, unverified)", source, SourcePyPI, SourceGitHub)
	}
	if p, ok := found["cpu"]; ok {
		check, err := CheckPlugin(p, CPUWheel.SHA256)
		if err != nil {
			return err
		}
		if err := check.accept(source); err != nil {
			return err
		}
		fmt.Fprintf(w, "XLA CPU plugin: already installed: %s\n", check)
		return nil
	}
	dst := filepath.Join(dir, "pjrt_c_api_cpu_plugin.so")
	if source == SourceGitHub {
		fmt.Fprintf(w, "XLA CPU plugin: %s=%s: go-xla's installer (GitHub releases), which checks no checksum...\n", SourceEnvVar, SourceGitHub)
		if err := goXLA(dir); err != nil {
			return fmt.Errorf("go-xla's installer failed (%s): unset %s to install the pinned plugin from PyPI", firstLine(err.Error()), SourceEnvVar)
		}
		check, err := CheckPlugin(dst, CPUWheel.SHA256)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "XLA CPU plugin: installed by go-xla: %s\n", check)
		if !check.Pinned {
			fmt.Fprintf(w, "  programs load it only while %s=%s is set\n", SourceEnvVar, SourceGitHub)
		}
		return nil
	}
	fmt.Fprintf(w, "XLA CPU plugin: %s==%s from PyPI (pinned, SHA-256 checked)\n", CPUWheel.Package, CPUWheel.Version)
	wheel, err := DownloadWheel(cacheDir, CPUWheel)
	if err != nil {
		return err
	}
	if err := ExtractVerified(wheel, CPUWheel.Member, CPUWheel.SHA256, dst); err != nil {
		return err
	}
	fmt.Fprintf(w, "XLA CPU plugin: installed %s (PJRT C API %s), SHA-256 %s verified\n", dst, CPUWheel.PJRTVersion, CPUWheel.SHA256)
	return nil
}

// DownloadWheel fetches the pinned wheel into cacheDir with pip, which checks
// its hash, and returns its path. A wheel already in the cache with the right
// hash is reused.
func DownloadWheel(cacheDir string, wh Wheel) (string, error) {
	path := filepath.Join(cacheDir, wh.File)
	if err := checkSHA256(path, wh.WheelSHA256); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	req := filepath.Join(cacheDir, wh.Package+".requirements.txt")
	line := fmt.Sprintf("%s==%s --hash=sha256:%s\n", wh.Package, wh.Version, wh.WheelSHA256)
	if err := os.WriteFile(req, []byte(line), 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command("python3", "-m", "pip", "download", "--no-deps", "--require-hashes",
		"--only-binary=:all:", "--disable-pip-version-check", "-q", "-r", req, "-d", cacheDir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pip could not download %s==%s from PyPI (%w): check the connection to PyPI, or install a CPU plugin by hand in ~/.local/lib/go-xla", wh.Package, wh.Version, err)
	}
	if err := checkSHA256(path, wh.WheelSHA256); err != nil {
		return "", err
	}
	return path, nil
}

// ExtractVerified copies member out of the zip file (a wheel) to dst, which
// is replaced only if the copy's SHA-256 is wantSHA256.
func ExtractVerified(zipPath, member, wantSHA256, dst string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("%s is not a readable wheel: %w", zipPath, err)
	}
	defer zr.Close()
	f, err := zr.Open(member)
	if err != nil {
		return fmt.Errorf("%s has no %s: %w", zipPath, member, err)
	}
	defer f.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFrom(dst, 0o755, func(w io.Writer) error {
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(w, h), f); err != nil {
			return fmt.Errorf("extracting %s: %w", member, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != wantSHA256 {
			return fmt.Errorf("%s in %s has SHA-256 %s, want %s: the download is corrupt, delete %s and run `make setup` again",
				member, zipPath, got, wantSHA256, zipPath)
		}
		return nil
	})
}

// checkSHA256 returns nil if the file at path has the given SHA-256.
func checkSHA256(path, want string) error {
	got, err := FileSHA256(path)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%s has SHA-256 %s, want %s", path, got, want)
	}
	return nil
}

// FileSHA256 returns the hex SHA-256 of a file.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, bufio.NewReader(f)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CUDAPluginFor returns go-xla's plugin name for a driver that supports CUDA
// driverCUDA (as nvidia-smi prints it, e.g. "12.4"): "cuda13" from 13 on,
// "cuda12" for 12.x, and an error for older drivers.
func CUDAPluginFor(driverCUDA string) (string, error) {
	major, _, _ := strings.Cut(strings.TrimSpace(driverCUDA), ".")
	n, err := strconv.Atoi(major)
	switch {
	case err != nil:
		return "", fmt.Errorf("can't read the driver's CUDA version %q", driverCUDA)
	case n >= 13:
		return "cuda13", nil
	case n == 12:
		return "cuda12", nil
	}
	return "", fmt.Errorf("the NVIDIA driver supports CUDA %s, but XLA's CUDA plugin needs 12 or newer: update the driver", driverCUDA)
}

var cudaVersionRE = regexp.MustCompile(`CUDA Version:\s*([0-9]+\.[0-9]+)`)

// DriverCUDAVersion asks nvidia-smi which CUDA version the driver supports.
func DriverCUDAVersion() (string, error) {
	out, err := exec.Command("nvidia-smi").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("nvidia-smi failed: %w", err)
	}
	m := cudaVersionRE.FindSubmatch(out)
	if m == nil {
		return "", errors.New("nvidia-smi printed no CUDA version")
	}
	return string(m[1]), nil
}

// InstallCUDAPlugin installs, when an NVIDIA GPU is present and go-xla finds
// no CUDA plugin yet, the CUDA PJRT plugin that fits the driver (jax-cuda12-pjrt
// or jax-cuda13-pjrt at CUDAPluginVersion, with the NVIDIA libraries it needs),
// using go-xla's installer, which takes them from PyPI and checks their hashes.
func InstallCUDAPlugin(w io.Writer, dir string) error {
	if !HasNVIDIAGPU() {
		fmt.Fprintln(w, "CUDA plugin: no NVIDIA GPU, nothing to install")
		return nil
	}
	if p, ok := Plugins()["cuda"]; ok {
		fmt.Fprintf(w, "CUDA plugin: already installed at %s\n", p)
		return nil
	}
	driver, err := DriverCUDAVersion()
	if err != nil {
		return err
	}
	plugin, err := CUDAPluginFor(driver)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "CUDA plugin: driver supports CUDA %s\n", driver)
	return InstallCUDAPluginAs(w, dir, plugin)
}

// InstallCUDAPluginAs installs the CUDA PJRT plugin named plugin, "cuda12" or
// "cuda13", into dir without looking for a GPU or a driver: for images, which
// are built where no driver is visible. Like InstallCUDAPlugin it uses go-xla's
// installer, which takes the plugin and its NVIDIA libraries from PyPI.
func InstallCUDAPluginAs(w io.Writer, dir, plugin string) error {
	if plugin != "cuda12" && plugin != "cuda13" {
		return fmt.Errorf("unknown CUDA plugin %q: use cuda12 for CUDA 12 drivers or cuda13 for CUDA 13 drivers", plugin)
	}
	fmt.Fprintf(w, "CUDA plugin: installing %s %s from PyPI with go-xla's installer\n", plugin, CUDAPluginVersion)
	return installer.CudaInstall(plugin, CUDAPluginVersion, dir, true, installer.Normal)
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
