package mnist

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeTable writes two small files into srcDir and returns a table for them.
func fakeTable(t *testing.T, srcDir string) []File {
	t.Helper()
	var files []File
	for i, name := range []string{"a-images.gz", "a-labels.gz"} {
		data := bytes.Repeat([]byte{byte(i), 1, 2, 3, 4}, 100+i)
		if err := os.WriteFile(filepath.Join(srcDir, name), data, 0o444); err != nil {
			t.Fatal(err)
		}
		m, s := md5.Sum(data), sha256.Sum256(data)
		files = append(files, File{name, Train, Kind(i), int64(len(data)), hex.EncodeToString(m[:]), hex.EncodeToString(s[:])})
	}
	return files
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func actions(rs []Result) []Action {
	var out []Action
	for _, r := range rs {
		out = append(out, r.Action)
	}
	return out
}

func wantActions(t *testing.T, rs []Result, want ...Action) {
	t.Helper()
	if got := actions(rs); len(got) != len(want) || strings.Join(strs(got), "|") != strings.Join(strs(want), "|") {
		t.Fatalf("actions = %q, want %q", got, want)
	}
}

func strs(as []Action) []string {
	var s []string
	for _, a := range as {
		s = append(s, string(a))
	}
	return s
}

// noTemps asserts that no temporary files are left in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(m) > 0 {
		t.Fatalf("temporary files left behind: %v", m)
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	files := fakeTable(t, dir)
	st, err := verify(dir, files)
	if err != nil || !st[0].OK() || !st[1].OK() || st[0].Size != files[0].Size {
		t.Fatalf("verify good dir: %v %v", st, err)
	}
	os.Remove(filepath.Join(dir, files[0].Name))
	flipByte(t, filepath.Join(dir, files[1].Name))
	st, err = verify(dir, files)
	if !errors.Is(err, ErrMissing) || !errors.Is(err, ErrChecksum) {
		t.Fatalf("joined error %v should hold ErrMissing and ErrChecksum", err)
	}
	if st[0].Present {
		t.Fatal("missing file reported present")
	}
	checkErr(t, st[0].Err, ErrMissing, files[0].Name)
	checkErr(t, st[1].Err, ErrChecksum, files[1].Name)
	if !st[1].Present || st[1].OK() || !strings.Contains(st[1].String(), "FAIL") {
		t.Fatalf("corrupt status: %v", st[1])
	}
	os.WriteFile(filepath.Join(dir, files[0].Name), []byte("short"), 0o644)
	st, _ = verify(dir, files)
	checkErr(t, st[0].Err, ErrChecksum, files[0].Name)
}

func TestInstall(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "data")
	files := fakeTable(t, src)
	dstA := filepath.Join(dst, files[0].Name)

	rs, err := install(src, dst, files) // fresh copy
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, rs, Copied, Copied)
	if _, err := verify(dst, files); err != nil {
		t.Fatal(err)
	}
	noTemps(t, dst)

	rs, err = install(src, dst, files) // idempotent
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, rs, Present, Present)

	flipByte(t, dstA) // corrupt destination gets detected and replaced
	rs, err = install(src, dst, files)
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, rs, Replaced, Present)
	checkErr(t, rs[0].Found, ErrChecksum, dstA)
	if _, err := verify(dst, files); err != nil {
		t.Fatal(err)
	}

	// A corrupt source never replaces a good destination.
	good, _ := os.ReadFile(dstA)
	flipByte(t, filepath.Join(src, files[0].Name))
	rs, err = install(src, dst, files)
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, rs, Present, Present)
	if now, _ := os.ReadFile(dstA); !bytes.Equal(now, good) {
		t.Fatal("good destination file was changed")
	}

	// With the destination missing, the corrupt source is refused.
	os.Remove(dstA)
	rs, err = install(src, dst, files)
	checkErr(t, err, ErrChecksum, filepath.Join(src, files[0].Name))
	wantActions(t, rs, Failed, Present)
	if _, err := os.Stat(dstA); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("bad source was installed: %v", err)
	}
	noTemps(t, dst)

	// With a corrupt destination and a corrupt source, the old file stays.
	os.WriteFile(dstA, []byte("old"), 0o644)
	rs, err = install(src, dst, files)
	if !errors.Is(err, ErrChecksum) || rs[0].Action != Failed || !errors.Is(rs[0].Found, ErrChecksum) {
		t.Fatalf("got %v, %v", rs, err)
	}
	if now, _ := os.ReadFile(dstA); string(now) != "old" {
		t.Fatal("destination replaced by a bad source")
	}

	// A missing source is reported as such.
	rs, err = install(t.TempDir(), filepath.Join(t.TempDir(), "x"), files)
	if !errors.Is(err, ErrMissing) || rs[0].Action != Failed || !strings.Contains(err.Error(), files[0].Name) {
		t.Fatalf("got %v, %v", rs, err)
	}
}

func TestDownload(t *testing.T) {
	src := t.TempDir()
	files := fakeTable(t, src)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mirror, name := filepath.Split(r.URL.Path)
		b, err := os.ReadFile(filepath.Join(src, name))
		switch {
		case err != nil || mirror == "/404/":
			http.NotFound(w, r)
		case mirror == "/bad/":
			b[3] ^= 1
			w.Write(b)
		case mirror == "/short/":
			w.Write(b[:len(b)-1])
		default:
			w.Write(b)
		}
	}))
	defer srv.Close()
	m := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, srv.URL+"/"+n) // no trailing slash: Download adds it
		}
		return out
	}
	dst := t.TempDir()
	dstA := filepath.Join(dst, files[0].Name)

	// Only bad mirrors: nothing is written.
	rs, err := download(dst, m("404", "bad", "short"), srv.Client(), files)
	checkErr(t, err, ErrChecksum, srv.URL+"/bad/"+files[0].Name)
	if !strings.Contains(err.Error(), "404") {
		t.Fatalf("error %v should mention the HTTP status", err)
	}
	wantActions(t, rs, Failed, Failed)
	if _, err := os.Stat(dstA); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a bad download was installed")
	}
	noTemps(t, dst)

	// Falls through to the good mirror.
	rs, err = download(dst, m("404", "bad", "good"), srv.Client(), files)
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, rs, Copied, Copied)
	if _, err := verify(dst, files); err != nil {
		t.Fatal(err)
	}

	// Idempotent: no requests once the files are intact.
	hits.Store(0)
	rs, err = download(dst, m("good"), srv.Client(), files)
	if err != nil || hits.Load() != 0 {
		t.Fatalf("second run: %v, %d requests", err, hits.Load())
	}
	wantActions(t, rs, Present, Present)

	// A corrupt file is replaced; a bad mirror never replaces anything.
	flipByte(t, dstA)
	corrupt, _ := os.ReadFile(dstA)
	if _, err := download(dst, m("bad"), srv.Client(), files); !errors.Is(err, ErrChecksum) {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(dstA); !bytes.Equal(now, corrupt) {
		t.Fatal("file replaced by a bad download")
	}
	rs, err = download(dst, m("good"), srv.Client(), files)
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, rs, Replaced, Present)
}

func TestHashCheck(t *testing.T) {
	dir := t.TempDir()
	good := fakeTable(t, dir)[0]
	for _, tc := range []struct {
		what string
		edit func(*File)
	}{
		{"size", func(f *File) { f.Size-- }},
		{"size", func(f *File) { f.Size++ }},
		{"MD5", func(f *File) { f.MD5 = strings.Repeat("0", 32) }},
		{"SHA-256", func(f *File) { f.SHA256 = strings.Repeat("0", 64) }},
	} {
		f := good
		tc.edit(&f)
		_, err := checkFile(filepath.Join(dir, f.Name), f)
		checkErr(t, err, ErrChecksum, f.Name)
		if !strings.Contains(err.Error(), tc.what) {
			t.Fatalf("error %q should mention %s", err, tc.what)
		}
	}
}

func TestTable(t *testing.T) {
	files := Files()
	if len(files) != 4 {
		t.Fatalf("%d files", len(files))
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Role()] = true
		if len(f.MD5) != 32 || len(f.SHA256) != 64 || f.Size <= 0 {
			t.Fatalf("bad entry %+v", f)
		}
	}
	if len(seen) != 4 {
		t.Fatalf("roles %v", seen)
	}
	files[0].Name = "changed"
	if Files()[0].Name == "changed" {
		t.Fatal("Files shares state between calls")
	}
	want := filepath.Join("/mc", "github.com", "petar", "!go!m!n!i!s!t@"+GoMNISTVersion, "data")
	if got := ModuleDataDir("/mc"); got != want {
		t.Fatalf("ModuleDataDir = %s, want %s", got, want)
	}
}
