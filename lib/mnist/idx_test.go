package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// idx builds an uncompressed IDX file.
func idx(magic uint32, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(data)
	return b.Bytes()
}

// gz gzips b.
func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// images returns n raw images whose pixel j of image i is byte(i+j).
func images(n, rows, cols int) []byte {
	b := make([]byte, n*rows*cols)
	for i := range b {
		b[i] = byte(i/(rows*cols) + i%(rows*cols))
	}
	return b
}

func imagesFile(n int) []byte {
	return idx(ImagesMagic, []uint32{uint32(n), Rows, Cols}, images(n, Rows, Cols))
}

func labelsFile(labels ...byte) []byte {
	return idx(LabelsMagic, []uint32{uint32(len(labels))}, labels)
}

// checkErr asserts that err wraps want, is a *FileError and names file and the fix.
func checkErr(t *testing.T, err, want error, file string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FileError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, file) || !strings.Contains(msg, "make setup") {
		t.Fatalf("error %q should name %s and say `make setup`", msg, file)
	}
}

func TestLoadSynthetic(t *testing.T) {
	const (
		imgName = "train-images-idx3-ubyte.gz"
		lblName = "train-labels-idx1-ubyte.gz"
	)
	good := gz(imagesFile(3))
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-6] ^= 0xff
	tests := []struct {
		name      string
		img, lbl  []byte // nil: file absent
		want      error
		wrongFile string // file the error must name
	}{
		{"valid", good, gz(labelsFile(5, 0, 9)), nil, ""},
		{"missing images", nil, gz(labelsFile(5, 0, 9)), ErrMissing, imgName},
		{"missing labels", good, nil, ErrMissing, lblName},
		{"empty file", []byte{}, gz(labelsFile(5, 0, 9)), ErrTruncated, imgName},
		{"gzip truncated", good[:len(good)-12], gz(labelsFile(5, 0, 9)), ErrTruncated, imgName},
		{"gzip trailer truncated", good[:len(good)-3], gz(labelsFile(5, 0, 9)), ErrTruncated, imgName},
		{"payload truncated", gz(imagesFile(3)[:16+2*Rows*Cols+5]), gz(labelsFile(5, 0, 9)), ErrTruncated, imgName},
		{"header truncated", gz(imagesFile(3)[:10]), gz(labelsFile(5, 0, 9)), ErrTruncated, imgName},
		{"labels payload truncated", good, gz(labelsFile(5, 0, 9)[:10]), ErrTruncated, lblName},
		{"not gzip", imagesFile(3), gz(labelsFile(5, 0, 9)), ErrBadGzip, imgName},
		{"gzip bad CRC", badCRC, gz(labelsFile(5, 0, 9)), ErrBadGzip, imgName},
		{"labels magic in images file", gz(labelsFile(5, 0, 9)), gz(labelsFile(5, 0, 9)), ErrBadMagic, imgName},
		{"images magic in labels file", good, good, ErrBadMagic, lblName},
		{"garbage magic", gz(idx(0x12345678, []uint32{3, Rows, Cols}, images(3, Rows, Cols))), gz(labelsFile(5, 0, 9)), ErrBadMagic, imgName},
		{"float IDX", gz(idx(0x00000d03, []uint32{3, Rows, Cols}, images(3, Rows, Cols))), gz(labelsFile(5, 0, 9)), ErrBadMagic, imgName},
		{"count mismatch", good, gz(labelsFile(5, 0)), ErrCountMismatch, lblName},
		{"wrong rows", gz(idx(ImagesMagic, []uint32{3, 27, Cols}, images(3, 27, Cols))), gz(labelsFile(5, 0, 9)), ErrBadDims, imgName},
		{"wrong cols", gz(idx(ImagesMagic, []uint32{3, Rows, 29}, images(3, Rows, 29))), gz(labelsFile(5, 0, 9)), ErrBadDims, imgName},
		{"huge header", gz(idx(ImagesMagic, []uint32{1 << 30, Rows, Cols}, nil)), gz(labelsFile(5, 0, 9)), ErrTooLarge, imgName},
		{"label 10", good, gz(labelsFile(5, 10, 9)), ErrBadLabel, lblName},
		{"trailing payload bytes", gz(append(imagesFile(3), 0)), gz(labelsFile(5, 0, 9)), ErrTrailing, imgName},
		{"trailing label bytes", good, gz(append(labelsFile(5, 0, 9), 1, 2)), ErrTrailing, lblName},
		{"bytes after gzip stream", good, append(gz(labelsFile(5, 0, 9)), 0, 0, 0, 0), ErrTrailing, lblName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range map[string][]byte{imgName: tc.img, lblName: tc.lbl} {
				if b != nil {
					if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			d, err := load(dir, Train, -1)
			if tc.want != nil {
				checkErr(t, err, tc.want, tc.wrongFile)
				if d != nil {
					t.Fatal("got a dataset along with the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.N != 3 || len(d.Pixels) != 3*ImageSize || len(d.Labels) != 3 {
				t.Fatalf("got N=%d, %d pixels, %d labels", d.N, len(d.Pixels), len(d.Labels))
			}
			if got := d.ImageDims(); !slices.Equal(got, []int{3, 1, Rows, Cols}) {
				t.Fatalf("ImageDims = %v, want [3 1 28 28]", got)
			}
			if d.Labels[0] != 5 || d.Labels[1] != 0 || d.Labels[2] != 9 {
				t.Fatalf("labels = %v", d.Labels)
			}
			raw := images(3, Rows, Cols)
			all := make([]float32, 3*ImageSize)
			if err := d.ImagesInto(all, []int{0, 1, 2}); err != nil {
				t.Fatal(err)
			}
			for _, i := range []int{0, 1, 100, Rows*Cols + 7, len(raw) - 1} {
				want := (float64(raw[i])/255 - Mean) / Std
				if d.Pixels[i] != raw[i] || math.Abs(float64(all[i])-want) > 1e-6 {
					t.Fatalf("pixel %d = %d normalised to %v, want %d and %v", i, d.Pixels[i], all[i], raw[i], want)
				}
			}
			// Load insists on the canonical 60000 training examples.
			_, err = Load(dir, Train)
			checkErr(t, err, ErrCountMismatch, imgName)
		})
	}
}

func TestReadIDXReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader(labelsFile(1, 2)[:9]), errReader{boom})
	if _, err := ReadIDX(r); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
}

func TestReadIDXMagic(t *testing.T) {
	for _, magic := range []uint32{0x00000d01, 0x01000801, 0x00000800, 0x00000805} {
		if _, err := ReadIDX(bytes.NewReader(idx(magic, []uint32{1, 1, 1, 1, 1}, []byte{1}))); !errors.Is(err, ErrBadMagic) {
			t.Errorf("magic 0x%08x: got %v, want ErrBadMagic", magic, err)
		}
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestSplitFiles(t *testing.T) {
	for _, s := range []Split{Train, Test} {
		img, lbl, err := s.Files()
		if err != nil || img.Kind != Images || lbl.Kind != Labels || img.Split != s || lbl.Split != s {
			t.Fatalf("%v.Files() = %+v, %+v, %v", s, img, lbl, err)
		}
	}
	if _, _, err := Split(7).Files(); err == nil {
		t.Fatal("unknown split accepted")
	}
}
