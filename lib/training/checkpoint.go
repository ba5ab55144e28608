package training

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/atomicfile"
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

// LoadCheckpoint reads dir/checkpoint.gob. It returns an error wrapping
// ErrNoCheckpoint when there is none, and a clear error when the file is damaged.
func LoadCheckpoint(dir string) (*Checkpoint, error) {
	path := filepath.Join(dir, CheckpointFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoCheckpoint, dir)
	}
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(c); err != nil || c.Magic != checkpointMagic {
		return nil, fmt.Errorf("%s is damaged or not a checkpoint of this project (%v): move it away and train again without -resume", path, err)
	}
	return c, nil
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
