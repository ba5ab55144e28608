package training

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/atomicfile"
	"github.com/learn-gomlx/advanced-cnn/lib/boundedfile"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
)

// CheckpointFile is the name of the checkpoint inside a run's output folder.
const CheckpointFile = layout.CheckpointFile

const checkpointMagic = "advanced-cnn checkpoint v1"

// ErrNoCheckpoint is returned by LoadCheckpoint when the folder holds none.
var ErrNoCheckpoint = errors.New("no checkpoint")

// Checkpoint is the state of a run after a whole number of epochs: every
// variable of the model store (weights, optimiser velocities, step counter,
// random-number state) and the history so far.
type Checkpoint struct {
	Magic     string
	History   History
	Variables []SavedVariable
}

// SavedVariable is one store variable, as raw bytes.
type SavedVariable struct {
	Path      string
	DType     dtypes.DType
	Dims      []int
	Trainable bool
	Data      []byte
}

// Epoch is the number of epochs the checkpoint has completed.
func (c *Checkpoint) Epoch() int { return len(c.History.Epochs) }

// snapshot copies every variable of store into a checkpoint.
func snapshot(store *model.Store, h *History) (*Checkpoint, error) {
	c := &Checkpoint{Magic: checkpointMagic, History: *h}
	for v := range store.IterVariables() {
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", v.Path(), err)
		}
		sv := SavedVariable{Path: v.Path(), DType: t.DType(), Dims: t.Shape().Dimensions, Trainable: v.Trainable}
		if err := t.ConstBytes(func(data []byte) { sv.Data = bytes.Clone(data) }); err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", v.Path(), err)
		}
		c.Variables = append(c.Variables, sv)
	}
	return c, nil
}

// restore creates the checkpoint's variables in an empty store.
func (c *Checkpoint) restore(store *model.Store) error {
	for _, sv := range c.Variables {
		t := tensors.FromShape(shapes.Make(sv.DType, sv.Dims...))
		var err error
		if mErr := t.MutableBytes(func(data []byte) {
			if len(data) != len(sv.Data) {
				err = fmt.Errorf("variable %s: %d bytes saved, %d expected", sv.Path, len(sv.Data), len(data))
				return
			}
			copy(data, sv.Data)
		}); mErr != nil {
			return mErr
		}
		if err != nil {
			return err
		}
		v, err := store.CreateVariable(sv.Path, t)
		if err != nil {
			return fmt.Errorf("restoring variable %s: %w", sv.Path, err)
		}
		v.SetTrainable(sv.Trainable)
	}
	return nil
}

// Save writes the checkpoint to dir/checkpoint.gob atomically: the previous
// checkpoint stays in place until the new one is completely on disk.
func (c *Checkpoint) Save(dir string) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(c); err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, CheckpointFile), buf.Bytes(), 0o644)
}

// MaxCheckpointBytes is the largest checkpoint LoadCheckpoint reads: 256 MiB.
// A checkpoint of a net of the lesson (weights, optimiser velocities and the
// history) takes about 8 bytes per parameter, under 1 MiB for nets of under
// 100,000 parameters; a larger file is not this project's checkpoint.
const MaxCheckpointBytes = 256 << 20

// LoadCheckpoint reads dir/checkpoint.gob. It returns an error wrapping
// ErrNoCheckpoint when there is none, and a clear error when the file is
// damaged or crafted: larger than MaxCheckpointBytes, not a checkpoint, or
// with a variable whose data does not match its type and shape. Restoring a
// checkpoint it returns allocates no more than the file holds.
func LoadCheckpoint(dir string) (*Checkpoint, error) {
	path := filepath.Join(dir, CheckpointFile)
	data, err := boundedfile.Read(path, MaxCheckpointBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoCheckpoint, dir)
	}
	if errors.Is(err, boundedfile.ErrTooLarge) {
		return nil, fmt.Errorf("%w: it is not a checkpoint of this project; move it away and train again without -resume", err)
	}
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(c); err != nil || c.Magic != checkpointMagic {
		return nil, fmt.Errorf("%s is damaged or not a checkpoint of this project (%v): move it away and train again without -resume", path, err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("%s is damaged: %w; move it away and train again without -resume", path, err)
	}
	return c, nil
}

// savedDTypes are the types a checkpoint's variables may have: the plain
// numeric types, each a whole number of bytes. (The project's stores hold
// float32 weights and velocities and integer counters and random-number
// state.) DType's own methods index tables with the value, so a crafted
// value must be refused before any of them is called.
var savedDTypes = map[dtypes.DType]bool{
	dtypes.Bool: true, dtypes.Int8: true, dtypes.Int16: true, dtypes.Int32: true, dtypes.Int64: true,
	dtypes.Uint8: true, dtypes.Uint16: true, dtypes.Uint32: true, dtypes.Uint64: true,
	dtypes.Float16: true, dtypes.BFloat16: true, dtypes.Float32: true, dtypes.Float64: true,
}

// check says whether each variable's data is exactly what its type and shape
// need, with each product checked against the data's length before it is
// formed: a crafted shape can neither overflow nor make restore allocate
// more than the checkpoint holds.
func (c *Checkpoint) check() error {
	seen := make(map[string]bool, len(c.Variables))
	for _, sv := range c.Variables {
		if sv.Path == "" || seen[sv.Path] {
			return fmt.Errorf("variable %q is unnamed or listed twice", sv.Path)
		}
		seen[sv.Path] = true
		if !savedDTypes[sv.DType] {
			return fmt.Errorf("variable %s has an unsupported type (%d)", sv.Path, int(sv.DType))
		}
		left := len(sv.Data) / sv.DType.Size() // values the data holds
		n := 1
		for _, d := range sv.Dims {
			if d < 0 || d > 0 && n > left/d {
				return fmt.Errorf("variable %s: shape %v does not fit its %d bytes of %s", sv.Path, sv.Dims, len(sv.Data), sv.DType)
			}
			n *= d
		}
		if n*sv.DType.Size() != len(sv.Data) {
			return fmt.Errorf("variable %s: %d bytes saved for %s%v, want %d", sv.Path, len(sv.Data), sv.DType, sv.Dims, n*sv.DType.Size())
		}
	}
	return nil
}

// compatible says whether a run with cfg can continue from the checkpoint.
func (c *Checkpoint) compatible(cfg Config) error {
	old := c.History.Config
	if old.Model != cfg.Model {
		return fmt.Errorf("the checkpoint is of model %q, not %q: use -model %s or another output folder", old.Model, cfg.Model, old.Model)
	}
	if old.Seed != cfg.Seed || old.BatchSize != cfg.BatchSize || old.LearningRate != cfg.LearningRate ||
		old.Momentum != cfg.Momentum || old.LogEvery != cfg.LogEvery {
		return fmt.Errorf("the checkpoint was trained with seed %d, batch %d, lr %g, momentum %g, log every %d; "+
			"resume with the same settings or use another output folder",
			old.Seed, old.BatchSize, old.LearningRate, old.Momentum, old.LogEvery)
	}
	if c.Epoch() > cfg.Epochs {
		return fmt.Errorf("the checkpoint has already trained %d epochs, more than the %d asked for", c.Epoch(), cfg.Epochs)
	}
	return nil
}
