package mnist

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// realDir returns a folder holding the real MNIST files: the repository's
// data/ folder or the GoMNIST module in the module cache, whichever holds
// all four files first.
func realDir(t *testing.T) string {
	t.Helper()
next:
	for _, dir := range []string{filepath.Join("..", "..", "data"), ModuleDataDir("")} {
		for _, f := range Files() {
			if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
				continue next
			}
		}
		return dir
	}
	t.Skip("real MNIST files not found in data/ or the GoMNIST module; run `make setup`")
	return ""
}

func TestRealData(t *testing.T) {
	dir := realDir(t)
	st, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		t.Log(s)
	}
	trainSet, testSet, err := LoadBoth(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		split  Split
		d      *Dataset
		n      int
		labels []int32
	}{
		{Train, trainSet, 60000, []int32{5, 0, 4, 1, 9, 2, 1, 3}},
		{Test, testSet, 10000, []int32{7, 2, 1, 0, 4, 1, 4, 9}},
	} {
		d := tc.d
		if d.N != tc.n || len(d.Labels) != tc.n || len(d.Pixels) != tc.n*ImageSize {
			t.Fatalf("%v: N=%d, %d labels, %d pixels", tc.split, d.N, len(d.Labels), len(d.Pixels))
		}
		for i, l := range tc.labels {
			if d.Labels[i] != l {
				t.Fatalf("%v: label %d = %d, want %d", tc.split, i, d.Labels[i], l)
			}
		}
		var sum, sq float64
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, x := range d.Pixels {
			p := Normalize(x)
			sum, sq = sum+float64(p), sq+float64(p)*float64(p)
			lo, hi = min(lo, p), max(hi, p)
		}
		mean := sum / float64(len(d.Pixels))
		std := math.Sqrt(sq/float64(len(d.Pixels)) - mean*mean)
		t.Logf("%v: mean %.4f std %.4f range [%.4f, %.4f]", tc.split, mean, std, lo, hi)
		if wantLo, wantHi := -Mean/Std, (1-Mean)/Std; math.Abs(float64(lo)-wantLo) > 1e-5 || math.Abs(float64(hi)-wantHi) > 1e-5 {
			t.Fatalf("%v: range [%v, %v], want [%v, %v]", tc.split, lo, hi, wantLo, wantHi)
		}
		if tc.split == Train && (math.Abs(mean) > 0.01 || math.Abs(std-1) > 0.01) {
			t.Fatalf("train: mean %v std %v, want about 0 and 1", mean, std)
		}
	}
}

func TestInstallReal(t *testing.T) {
	src := ModuleDataDir("")
	if _, err := os.Stat(src); err != nil {
		t.Skip("GoMNIST module not in the module cache")
	}
	dst := t.TempDir()
	for range 2 {
		rs, err := Install(src, dst)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			t.Log(r)
		}
	}
	if _, err := Verify(dst); err != nil {
		t.Fatal(err)
	}
}

// LoadBoth reads the training set first and says which file of which split
// is missing.
func TestLoadBothMissing(t *testing.T) {
	trainSet, testSet, err := LoadBoth(t.TempDir())
	checkErr(t, err, ErrMissing, "train-images-idx3-ubyte.gz")
	if trainSet != nil || testSet != nil {
		t.Fatal("got a dataset along with the error")
	}
	dir, err := filepath.Abs(realDir(t)) // a link's target is relative to the link
	if err != nil {
		t.Fatal(err)
	}
	onlyTrain := t.TempDir()
	img, lbl, err := Train.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []File{img, lbl} {
		if err := os.Symlink(filepath.Join(dir, f.Name), filepath.Join(onlyTrain, f.Name)); err != nil {
			t.Fatal(err)
		}
	}
	trainSet, testSet, err = LoadBoth(onlyTrain)
	checkErr(t, err, ErrMissing, "t10k-images-idx3-ubyte.gz")
	if trainSet != nil || testSet != nil {
		t.Fatal("got a dataset along with the error")
	}
}
