package training

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/boundedfile"
)

// smallCheckpoint is a valid checkpoint of two variables and one epoch, as
// Save writes them, without training anything.
func smallCheckpoint() *Checkpoint {
	w := make([]byte, 4*2*3)
	for i := range 6 {
		binary.NativeEndian.PutUint32(w[4*i:], math.Float32bits(float32(i)/10))
	}
	return &Checkpoint{
		Magic:   checkpointMagic,
		History: History{Config: DefaultConfig("resnet"), Epochs: []EpochResult{{Epoch: 1, TestAccuracy: 0.5}}},
		Variables: []SavedVariable{
			{Path: "/conv/weight", DType: dtypes.Float32, Dims: []int{2, 3}, Trainable: true, Data: w},
			{Path: "/global_step", DType: dtypes.Int64, Dims: nil, Data: make([]byte, 8)},
		},
	}
}

// overflowsToSix times 10 is 6 in 64-bit integers: a shape [10,
// overflowsToSix] multiplied without checks claims the 24 bytes of six
// float32 values.
const overflowsToSix = 7378697629483820647

// encode is the bytes Save writes for c.
func encode(t testing.TB, c *Checkpoint) []byte {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Crafted checkpoints are each refused with an error that says what is
// wrong, before anything is allocated from their shapes.
func TestLoadCheckpointRefusesCraftedFiles(t *testing.T) {
	crafted := func(change func(c *Checkpoint)) func(t testing.TB) []byte {
		return func(t testing.TB) []byte {
			c := smallCheckpoint()
			change(c)
			return encode(t, c)
		}
	}
	cases := []struct {
		name string
		file func(t testing.TB) []byte
		want string
	}{
		{"not gob", func(testing.TB) []byte { return []byte("half a checkpoint") }, "damaged or not a checkpoint"},
		{"empty", func(testing.TB) []byte { return nil }, "damaged or not a checkpoint"},
		{"truncated", func(t testing.TB) []byte { b := encode(t, smallCheckpoint()); return b[:len(b)-9] }, "damaged or not a checkpoint"},
		{"wrong magic", crafted(func(c *Checkpoint) { c.Magic = "other checkpoint v9" }), "damaged or not a checkpoint"},
		{"huge dims", crafted(func(c *Checkpoint) { c.Variables[0].Dims = []int{1 << 40, 1 << 40} }), "does not fit its 24 bytes"},
		{"dims whose product overflows to the data's size", crafted(func(c *Checkpoint) {
			c.Variables[0].Dims = []int{10, overflowsToSix} // 10 × 7378697629483820647 wraps to 6 values, 24 bytes
		}), "does not fit its 24 bytes"},
		{"negative dim", crafted(func(c *Checkpoint) { c.Variables[0].Dims = []int{-2, -3} }), "does not fit its 24 bytes"},
		{"data shorter than the shape", crafted(func(c *Checkpoint) { c.Variables[0].Dims = []int{2, 4} }), "does not fit its 24 bytes"},
		{"data longer than the shape", crafted(func(c *Checkpoint) { c.Variables[0].Dims = []int{2, 2} }), "24 bytes saved for Float32[2 2], want 16"},
		{"invalid type", crafted(func(c *Checkpoint) { c.Variables[0].DType = dtypes.DType(9999) }), "unsupported type"},
		{"packed type", crafted(func(c *Checkpoint) { c.Variables[0].DType = dtypes.Int4 }), "unsupported type"},
		{"variable listed twice", crafted(func(c *Checkpoint) { c.Variables[1] = c.Variables[0] }), "listed twice"},
		{"unnamed variable", crafted(func(c *Checkpoint) { c.Variables[1].Path = "" }), "unnamed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, CheckpointFile), tc.file(t), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := LoadCheckpoint(dir)
			if err == nil || c != nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "train again without -resume") {
				t.Fatalf("LoadCheckpoint = %v, %v; want an error mentioning %q and what to do", c, err, tc.want)
			}
		})
	}

	// The valid checkpoint the cases start from loads and restores.
	dir := t.TempDir()
	if err := smallCheckpoint().Save(dir); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCheckpoint(dir)
	if err != nil {
		t.Fatalf("the valid checkpoint: %v", err)
	}
	if err := c.restore(model.NewStore()); err != nil {
		t.Fatalf("restoring the valid checkpoint: %v", err)
	}

	// A file larger than MaxCheckpointBytes (sparse: nothing is written) is
	// refused without being read.
	big := filepath.Join(t.TempDir(), CheckpointFile)
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxCheckpointBytes+1); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpoint(filepath.Dir(big)); !errors.Is(err, boundedfile.ErrTooLarge) || !strings.Contains(err.Error(), "without -resume") {
		t.Errorf("a checkpoint of %d bytes: error %v, want one wrapping ErrTooLarge that says what to do", MaxCheckpointBytes+1, err)
	}
}

// FuzzLoadCheckpoint feeds arbitrary bytes to LoadCheckpoint as a
// checkpoint.gob: it must never panic, and a checkpoint it accepts must
// restore into a store without error, each variable holding exactly its
// shape's bytes. The seed corpus (testdata/fuzz/FuzzLoadCheckpoint) holds a
// valid checkpoint and crafted ones.
func FuzzLoadCheckpoint(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			t.Skip("inputs over 1 MiB are the size test's job")
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, CheckpointFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := LoadCheckpoint(dir)
		if err != nil {
			if c != nil {
				t.Fatal("a checkpoint and an error both returned")
			}
			return
		}
		total := 0
		for _, sv := range c.Variables {
			total += len(sv.Data)
		}
		if total > len(data) {
			t.Fatalf("variables hold %d bytes, more than the %d-byte file", total, len(data))
		}
		if err := c.restore(model.NewStore()); err != nil {
			t.Fatalf("an accepted checkpoint does not restore: %v", err)
		}
	})
}
