package mnist

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadIDX feeds arbitrary bytes to the raw and the gzip IDX parsers: they
// must never panic, must return only the package's sentinel errors and, on
// success, a payload consistent with the header and within MaxIDXBytes.
func FuzzReadIDX(f *testing.F) {
	f.Add(labelsFile(1, 2, 3))
	f.Add(gz(labelsFile(1, 2, 3)))
	sentinels := []error{ErrTruncated, ErrTrailing, ErrBadMagic, ErrTooLarge, ErrBadGzip}
	f.Fuzz(func(t *testing.T, data []byte) {
		for i, read := range []func(io.Reader) (*IDX, error){ReadIDX, ReadGzipIDX} {
			x, err := read(bytes.NewReader(data))
			if err != nil {
				if x != nil {
					t.Fatal("result and error both set")
				}
				known := false
				for _, s := range sentinels {
					known = known || errors.Is(err, s)
				}
				if !known {
					t.Fatalf("error without a sentinel: %v", err)
				}
				continue
			}
			total := 1
			for _, d := range x.Dims {
				total *= d
			}
			if total != len(x.Data) || total > MaxIDXBytes || len(x.Dims) == 0 || len(x.Dims) > 4 {
				t.Fatalf("dims %v with %d data bytes", x.Dims, len(x.Data))
			}
			if i == 0 && len(data) != 4+4*len(x.Dims)+total {
				t.Fatalf("accepted %d input bytes for dims %v", len(data), x.Dims)
			}
		}
	})
}
