// Package boundedfile reads files whose size a loader must bound before it
// allocates: a crafted or swapped file larger than the limit is refused
// without being read.
package boundedfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge is wrapped by Read's error for a file larger than its limit.
var ErrTooLarge = errors.New("file larger than its limit")

// Read returns the content of the file at path when it holds at most limit
// bytes; otherwise an error wrapping ErrTooLarge, having read at most
// limit+1 bytes of it. Errors opening the file are returned as they are, so
// errors.Is(err, fs.ErrNotExist) works.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("%s has %d bytes, more than %d: %w", path, info.Size(), limit, ErrTooLarge)
	}
	// A file that is not a regular one (a device, a pipe) has no size, and a
	// regular one may grow after Stat: read one byte past the limit to see it.
	// io.ReadAll grows its buffer with what it reads, not with the limit.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s holds more than %d bytes: %w", path, limit, ErrTooLarge)
	}
	return data, nil
}
