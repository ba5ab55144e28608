package mnist

import (
	"flag"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/errtest"
)

// tiny returns a dataset of n images whose pixels are all 10*i+k for image i
// (k the pixel's row) and labels i%10.
func tiny(t *testing.T, n int) *Dataset {
	t.Helper()
	pixels, labels := make([]uint8, n*ImageSize), make([]int32, n)
	for i := range n {
		for p := range ImageSize {
			pixels[i*ImageSize+p] = uint8(10*i + p/Cols)
		}
		labels[i] = int32(i % 10)
	}
	d, err := New(Test, pixels, labels)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name    string
		pixels  []uint8
		labels  []int32
		wantErr string
	}{
		{"two images", make([]uint8, 2*ImageSize), []int32{3, 9}, ""},
		{"no images", nil, nil, "empty"},
		{"a pixel short", make([]uint8, 2*ImageSize-1), []int32{3, 9}, "malformed"},
		{"a label too many", make([]uint8, 2*ImageSize), []int32{3, 9, 1}, "malformed"},
		{"label 10", make([]uint8, 2*ImageSize), []int32{3, 10}, "label 10 at index 1"},
		{"negative label", make([]uint8, 2*ImageSize), []int32{-1, 0}, "label -1 at index 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(Train, tc.pixels, tc.labels)
			if tc.wantErr == "" {
				if err != nil || d.N != len(tc.labels) {
					t.Fatalf("New: %v, %+v", err, d)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || d != nil {
				t.Fatalf("New: %v, %v; want no dataset and an error mentioning %q", d, err, tc.wantErr)
			}
		})
	}
	var nilSet *Dataset
	if err := nilSet.Validate(); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("nil dataset: Validate = %v", err)
	}
}

func TestNormalize(t *testing.T) {
	for _, x := range []uint8{0, 1, 33, 128, 255} {
		want := float32((float64(x)/255 - Mean) / Std)
		if got := Normalize(x); got != want {
			t.Errorf("Normalize(%d) = %v, want %v", x, got, want)
		}
	}
	if lo, hi := Normalize(0), Normalize(255); math.Abs(float64(lo)+0.4242) > 1e-4 || math.Abs(float64(hi)-2.8215) > 1e-4 {
		t.Errorf("range [%v, %v], want the lesson's [-0.4242, 2.8215]", lo, hi)
	}
}

func TestImagesInto(t *testing.T) {
	d := tiny(t, 5)
	tests := []struct {
		name    string
		idx     []int
		dst     int // values in the destination
		wantErr string
	}{
		{"one", []int{3}, ImageSize, ""},
		{"shuffled batch", []int{4, 0, 2}, 3 * ImageSize, ""},
		{"repeated", []int{1, 1}, 2 * ImageSize, ""},
		{"none", nil, 0, ""},
		{"destination too small", []int{1, 2}, ImageSize, "2 images need 1568 values"},
		{"destination too large", []int{1}, ImageSize + 1, "1 images need 784 values"},
		{"index past the end", []int{0, 5}, 2 * ImageSize, "image 5 out of range: the test set holds 5"},
		{"negative index", []int{-1}, ImageSize, "image -1 out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]float32, tc.dst)
			err := d.ImagesInto(dst, tc.idx)
			if !errtest.Want(t, err, tc.wantErr) {
				return
			}
			for k, i := range tc.idx {
				for _, p := range []int{0, Cols + 3, ImageSize - 1} {
					if got, want := dst[k*ImageSize+p], Normalize(uint8(10*i+p/Cols)); got != want {
						t.Fatalf("image %d (batch row %d) pixel %d = %v, want %v", i, k, p, got, want)
					}
				}
			}
		})
	}
}

func TestImage(t *testing.T) {
	d := tiny(t, 3)
	img, err := d.Image(2)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, ImageSize)
	for p := range want {
		want[p] = Normalize(uint8(20 + p/Cols))
	}
	if !slices.Equal(img, want) {
		t.Errorf("Image(2) = %v..., want %v...", img[:3], want[:3])
	}
	if _, err := d.Image(3); err == nil {
		t.Error("Image(3) of 3 images: no error")
	}
}

func TestHead(t *testing.T) {
	d := tiny(t, 4)
	tests := []struct {
		n, wantN int
	}{{2, 2}, {0, 4}, {-1, 4}, {4, 4}, {9, 4}}
	for _, tc := range tests {
		h := d.Head(tc.n)
		if h.N != tc.wantN || len(h.Pixels) != tc.wantN*ImageSize || len(h.Labels) != tc.wantN || h.Split != d.Split {
			t.Errorf("Head(%d): N=%d, %d pixels, %d labels, split %v; want %d images of the %v split",
				tc.n, h.N, len(h.Pixels), len(h.Labels), h.Split, tc.wantN, d.Split)
		}
		if err := h.Validate(); err != nil {
			t.Errorf("Head(%d): %v", tc.n, err)
		}
	}
	if h := d.Head(2); &h.Pixels[0] != &d.Pixels[0] {
		t.Error("Head copied the pixels instead of sharing them")
	}
}

// BenchmarkImagesInto is the host's share of a training step: normalising a
// shuffled batch of 64 images.
func BenchmarkImagesInto(b *testing.B) {
	pixels, labels := make([]uint8, 1000*ImageSize), make([]int32, 1000)
	d, err := New(Train, pixels, labels)
	if err != nil {
		b.Fatal(err)
	}
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = (i * 397) % 1000
	}
	dst := make([]float32, len(idx)*ImageSize)
	b.SetBytes(int64(len(dst) * 4))
	for b.Loop() {
		if err := d.ImagesInto(dst, idx); err != nil {
			b.Fatal(err)
		}
	}
}

// The -data flag names data/ unless it is given.
func TestDirFlag(t *testing.T) {
	for args, want := range map[string]string{"": "data", "-data /mnist": "/mnist"} {
		fs := flag.NewFlagSet("demo", flag.ContinueOnError)
		dir := DirFlag(fs)
		if err := fs.Parse(strings.Fields(args)); err != nil || *dir != want {
			t.Errorf("%q: -data %q, %v; want %q", args, *dir, err, want)
		}
	}
}
