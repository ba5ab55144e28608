// Package atomicfile replaces files so that a reader, or a crash, sees either
// the old content or the complete new one, never a mix: the new content is
// written to a temporary file in the same folder, synced, and renamed over the
// old. Checkpoints, histories, charts, data files and plugins are all written
// this way.
package atomicfile

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path with data, readable with the given permissions.
func Write(path string, data []byte, perm fs.FileMode) error {
	return WriteFrom(path, perm, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}

// WriteFrom replaces path with what fill writes. If fill returns an error
// (for example because the content failed a checksum), path is left as it was,
// no temporary file remains, and fill's error is returned unchanged; the other
// errors come from the file system and name the path.
func WriteFrom(path string, perm fs.FileMode, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := fill(tmp); err != nil {
		return err
	}
	for _, step := range []func() error{tmp.Sync, tmp.Close,
		func() error { return os.Chmod(tmp.Name(), perm) },
		func() error { return os.Rename(tmp.Name(), path) }} {
		if err := step(); err != nil {
			return &fs.PathError{Op: "write", Path: path, Err: err}
		}
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}
