package weights

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/boundedfile"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
)

// overflowsToSix times 10 is 6 in 64-bit integers: a shape [10,
// overflowsToSix] multiplied without checks claims the 24 bytes of six
// float32 values.
const overflowsToSix = 7378697629483820647

// smallWeights is a valid index and weights.bin of two tensors, [2 3] and
// [4], with values 0, 0.1, 0.2, ….
func smallWeights() (Index, []byte) {
	idx := Index{Format: weightsFormat, Model: "resnet", DType: "float32", ByteOrder: "little-endian",
		Tensors: []Tensor{{Name: "/a/weight", Shape: []int{2, 3}}, {Name: "/a/bias", Shape: []int{4}, Offset: 24}}}
	var bin []byte
	for i := range 10 {
		bin = binary.LittleEndian.AppendUint32(bin, math.Float32bits(float32(i)/10))
	}
	sum := sha256.Sum256(bin)
	idx.Bytes, idx.Params, idx.SHA256 = len(bin), 10, hex.EncodeToString(sum[:])
	return idx, bin
}

// writeWeights writes the two files to a new folder and returns it.
func writeWeights(t testing.TB, index, bin []byte) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, layout.WeightsIndexFile), index, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, layout.WeightsFile), bin, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Crafted index files are each refused with an error that says what is
// wrong, before anything is allocated from their sizes and shapes.
func TestLoadRefusesCraftedIndexes(t *testing.T) {
	cases := []struct {
		name   string
		change func(idx *Index, bin []byte) []byte // returns the weights.bin to write
		want   string
	}{
		{"huge dims", func(idx *Index, bin []byte) []byte { idx.Tensors[0].Shape = []int{1 << 40, 1 << 40}; return bin },
			"tensor /a/weight of shape [1099511627776 1099511627776] does not fit in the 40 bytes left after byte 0"},
		{"dims whose product overflows to the tensor's size", func(idx *Index, bin []byte) []byte {
			idx.Tensors[0].Shape = []int{10, overflowsToSix}
			return bin
		}, "does not fit in the 40 bytes left"},
		{"negative dim", func(idx *Index, bin []byte) []byte { idx.Tensors[0].Shape = []int{-2, -3}; return bin }, "impossible shape [-2 -3]"},
		{"zero dim", func(idx *Index, bin []byte) []byte { idx.Tensors[1].Shape = []int{0}; return bin }, "impossible shape [0]"},
		{"negative size", func(idx *Index, bin []byte) []byte { idx.Bytes = -40; return bin }, "says weights.bin has -40 bytes"},
		{"size above MaxBytes", func(idx *Index, bin []byte) []byte { idx.Bytes = MaxBytes + 4; return bin }, "want a multiple of 4 between 4 and 67108864"},
		{"size not a multiple of 4", func(idx *Index, bin []byte) []byte { idx.Bytes = 39; return bin }, "says weights.bin has 39 bytes"},
		{"negative offset", func(idx *Index, bin []byte) []byte { idx.Tensors[1].Offset = -4; return bin }, "starts at byte -4, not at byte 24"},
		{"overlapping tensors", func(idx *Index, bin []byte) []byte { idx.Tensors[1].Offset = 20; return bin }, "starts at byte 20, not at byte 24"},
		{"tensors shorter than the file", func(idx *Index, bin []byte) []byte { idx.Tensors[1].Shape = []int{3}; return bin },
			"its 2 tensors hold 9 values in 36 bytes, the index says 10 values in 40 bytes"},
		{"parameter count off", func(idx *Index, bin []byte) []byte { idx.Params = 11; return bin }, "the index says 11 values"},
		{"tensor listed twice", func(idx *Index, bin []byte) []byte { idx.Tensors[1].Name = "/a/weight"; return bin }, "listed twice"},
		{"no tensors", func(idx *Index, bin []byte) []byte { idx.Tensors = nil; return bin }, "lists no tensors"},
		{"wrong format", func(idx *Index, bin []byte) []byte { idx.Format = "advanced-cnn weights v0"; return bin }, "not an index of this project's weights"},
		{"wrong dtype", func(idx *Index, bin []byte) []byte { idx.DType = "float64"; return bin }, "not an index of this project's weights"},
		{"truncated weights", func(idx *Index, bin []byte) []byte { return bin[:36] }, "has 36 bytes, not the 40 its index says: the file is truncated"},
		{"weights longer than the index says", func(idx *Index, bin []byte) []byte { return append(bin, 0, 0, 0, 0) }, "has 44 bytes, more than 40"},
		{"weights changed", func(idx *Index, bin []byte) []byte { bin[7] ^= 1; return bin }, "is corrupt: its SHA-256 is"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idx, bin := smallWeights()
			bin = tc.change(&idx, bin)
			js, err := json.Marshal(idx)
			if err != nil {
				t.Fatal(err)
			}
			w, err := Load(writeWeights(t, js, bin))
			if err == nil || w != nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "git checkout --") {
				t.Fatalf("Load = %v, %v; want an error mentioning %q and how to restore the file", w, err, tc.want)
			}
		})
	}

	// The valid files the cases start from load, value for value.
	idx, bin := smallWeights()
	js, _ := json.Marshal(idx)
	w, err := Load(writeWeights(t, js, bin))
	if err != nil {
		t.Fatalf("the valid files: %v", err)
	}
	if got := w.values["/a/bias"]; len(got) != 4 || got[3] != float32(9)/10 {
		t.Errorf("/a/bias = %v, want [0.6 0.7 0.8 0.9]", got)
	}

	// Files larger than their limits (sparse: nothing is written) are refused without being read.
	for _, tc := range []struct{ name, file, want string }{
		{"index over its limit", layout.WeightsIndexFile, "has 1073741824 bytes, more than 1048576"},
		{"weights far longer than the index says", layout.WeightsFile, "has 1073741824 bytes, more than 40"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeWeights(t, js, bin)
			if err := os.Truncate(filepath.Join(dir, tc.file), 1<<30); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if !errors.Is(err, boundedfile.ErrTooLarge) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "git checkout --") {
				t.Fatalf("error %v, want one wrapping ErrTooLarge, mentioning %q and how to restore the file", err, tc.want)
			}
		})
	}
}

// autoSHA256 in a fuzzed weights.json is replaced by the SHA-256 of the
// fuzzed weights.bin, so that the fuzzer gets past the checksum to the
// decoding of the tensors.
const autoSHA256 = "auto-sha256"

// FuzzLoad feeds arbitrary weights.json and weights.bin files to Load: it
// must never panic, and weights it accepts must be exactly what the index
// says, within MaxBytes. The seed corpus (testdata/fuzz/FuzzLoad) holds the
// valid files of smallWeights and crafted ones.
func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, index, bin []byte) {
		sum := sha256.Sum256(bin)
		index = []byte(strings.ReplaceAll(string(index), autoSHA256, hex.EncodeToString(sum[:])))
		w, err := Load(writeWeights(t, index, bin))
		if err != nil {
			if w != nil {
				t.Fatal("weights and an error both returned")
			}
			return
		}
		params := 0
		for _, tensor := range w.Index.Tensors {
			n := uint64(1)
			for _, d := range tensor.Shape {
				hi, lo := bits.Mul64(n, uint64(d))
				if d < 1 || hi != 0 || lo > MaxBytes {
					t.Fatalf("accepted tensor %s of shape %v", tensor.Name, tensor.Shape)
				}
				n = lo
			}
			if uint64(len(w.values[tensor.Name])) != n {
				t.Fatalf("tensor %s %v holds %d values", tensor.Name, tensor.Shape, len(w.values[tensor.Name]))
			}
			params += int(n)
		}
		if params != w.Index.Params || 4*params != len(bin) || len(bin) > MaxBytes || len(w.values) != len(w.Index.Tensors) {
			t.Fatalf("accepted %d tensors of %d values from %d bytes; the index says %d values", len(w.values), params, len(bin), w.Index.Params)
		}
	})
}
