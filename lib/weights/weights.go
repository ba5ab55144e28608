// Package weights is the file format of a run's trained weights, committed
// beside its history: Export writes a checkpoint's variables to
// weights.bin and weights.json, Load reads them back into a store.
package weights

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/atomicfile"
	"github.com/learn-gomlx/advanced-cnn/lib/boundedfile"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

// The trained weights of a run, as committed beside its history:
// layout.WeightsFile holds every trainable variable as little-endian float32
// values, one after the other, and layout.layout.WeightsIndexFile says which (name,
// shape, offset), with the SHA-256 of the first and the fingerprint of the
// run's history.
const weightsFormat = "advanced-cnn weights v1"

// ErrNoWeights is returned (wrapped) by Load when the folder holds no weights.
var ErrNoWeights = errors.New("no trained weights")

// Index is the content of weights.json.
type Index struct {
	Format    string `json:"format"`
	Model     string `json:"model"`
	DType     string `json:"dtype"`
	ByteOrder string `json:"byte_order"`
	Bytes     int    `json:"bytes"`
	SHA256    string `json:"sha256"`
	Params    int    `json:"params"`
	// Epochs, Seed, TestAccuracy and Backend describe the run the weights come from.
	Epochs       int     `json:"epochs"`
	Seed         int64   `json:"seed"`
	TestAccuracy float64 `json:"test_accuracy"`
	Backend      string  `json:"backend"`
	// HistorySHA256 is the fingerprint of the run's history (HistoryFingerprint):
	// the weights belong to the run whose history.json has this fingerprint.
	HistorySHA256 string   `json:"history_sha256"`
	Tensors       []Tensor `json:"tensors"`
}

// Tensor is one variable in weights.bin.
type Tensor struct {
	Name   string `json:"name"` // the variable's path, e.g. "/incep1/branch1x1/weight"
	Shape  []int  `json:"shape"`
	Offset int    `json:"offset"` // in bytes from the start of weights.bin
}

// Weights are trained weights read by Load.
type Weights struct {
	Index  Index
	values map[string][]float32
}

// HistoryFingerprint is the SHA-256 of h's JSON: two histories have the same
// fingerprint only if every figure of every epoch and log line is the same.
func HistoryFingerprint(h *training.History) (string, error) {
	js, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(js)
	return hex.EncodeToString(sum[:]), nil
}

// Export writes the trainable variables of the checkpoint c to dir as
// weights.bin and weights.json. When dir already holds a history.json, it
// must be the checkpoint's own history (the same run, after the same epoch):
// weights are never written beside the history of another run.
func Export(c *training.Checkpoint, dir string) error {
	if c == nil || c.Epoch() == 0 {
		return errors.New("the checkpoint has no finished epoch: nothing to export")
	}
	fp, err := HistoryFingerprint(&c.History)
	if err != nil {
		return err
	}
	if h, err := training.LoadHistory(filepath.Join(dir, layout.HistoryFile)); err == nil {
		if other, err := HistoryFingerprint(h); err != nil || other != fp {
			final, _ := h.Final()
			mine, _ := c.History.Final()
			return fmt.Errorf("%s/history.json is not the checkpoint's run (it has %d epochs ending at %.2f %% test accuracy, the checkpoint %d at %.2f %%): "+
				"export the checkpoint of the run whose history is in %s, or copy that run's history.json there too",
				dir, len(h.Epochs), 100*final.TestAccuracy, c.Epoch(), 100*mine.TestAccuracy, dir)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	final, _ := c.History.Final()
	idx := Index{Format: weightsFormat, Model: c.History.Config.Model, DType: "float32", ByteOrder: "little-endian",
		Epochs: c.Epoch(), Seed: c.History.Config.Seed, TestAccuracy: final.TestAccuracy, Backend: c.History.Backend,
		HistorySHA256: fp}
	var bin bytes.Buffer
	for _, v := range c.Variables {
		if !v.Trainable {
			continue
		}
		if v.DType != dtypes.Float32 {
			return fmt.Errorf("variable %s is %s; only float32 weights can be exported", v.Path, v.DType)
		}
		n := 1
		for _, d := range v.Dims {
			n *= d
		}
		if len(v.Data) != 4*n {
			return fmt.Errorf("variable %s: %d bytes for shape %v, want %d", v.Path, len(v.Data), v.Dims, 4*n)
		}
		idx.Tensors = append(idx.Tensors, Tensor{Name: v.Path, Shape: slices.Clone(v.Dims), Offset: bin.Len()})
		idx.Params += n
		// The checkpoint holds the tensor's bytes in the machine's order; the file is little-endian.
		for i := range n {
			bits := binary.NativeEndian.Uint32(v.Data[4*i:])
			bin.Write(binary.LittleEndian.AppendUint32(nil, bits))
		}
	}
	if len(idx.Tensors) == 0 {
		return errors.New("the checkpoint has no trainable variables")
	}
	sum := sha256.Sum256(bin.Bytes())
	idx.SHA256, idx.Bytes = hex.EncodeToString(sum[:]), bin.Len()
	js, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The index last: a reader that finds it finds the weights it describes.
	if err := atomicfile.Write(filepath.Join(dir, layout.WeightsFile), bin.Bytes(), 0o644); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, layout.WeightsIndexFile), append(js, '\n'), 0o644)
}

// MaxBytes is the largest weights.bin Load accepts: 64 MiB, 16 million
// float32 values. The lesson's nets have under 100,000 parameters
// (models.ByName's Params), so anything larger is not this project's file,
// and Load refuses it before reading or allocating it.
const MaxBytes = 64 << 20

// maxIndexBytes is the largest weights.json Load reads: a few hundred bytes
// per tensor, and a net of the lesson has fewer than a hundred tensors.
const maxIndexBytes = 1 << 20

// Load reads the weights in dir and checks them against their index:
// format, size, checksum, and that the tensors tile the file exactly. Its
// errors say what is wrong and what to do; a missing index wraps ErrNoWeights.
// Every size in the index is checked before anything is allocated from it:
// no file, however crafted, makes Load allocate more than MaxBytes for the
// weights or panic.
func Load(dir string) (*Weights, error) {
	idxPath, binPath := filepath.Join(dir, layout.WeightsIndexFile), filepath.Join(dir, layout.WeightsFile)
	js, err := boundedfile.Read(idxPath, maxIndexBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s (no %s)", ErrNoWeights, dir, layout.WeightsIndexFile)
	}
	if errors.Is(err, boundedfile.ErrTooLarge) {
		return nil, fmt.Errorf("%w: it is not an index of this project's weights; restore it with `git checkout -- %s`", err, idxPath)
	}
	if err != nil {
		return nil, err
	}
	w := &Weights{}
	if err := json.Unmarshal(js, &w.Index); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): restore it with `git checkout -- %s`", idxPath, err, idxPath)
	}
	idx := &w.Index
	if idx.Format != weightsFormat || idx.DType != "float32" || idx.ByteOrder != "little-endian" {
		return nil, fmt.Errorf("%s is not an index of this project's weights (format %q, %s, %s; want %q, float32, little-endian): restore it with `git checkout -- %s`",
			idxPath, idx.Format, idx.DType, idx.ByteOrder, weightsFormat, idxPath)
	}
	counts, err := idx.layout()
	if err != nil {
		return nil, fmt.Errorf("%s: %w; restore it with `git checkout -- %s`", idxPath, err, idxPath)
	}
	bin, err := boundedfile.Read(binPath, int64(idx.Bytes))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s lists weights but %s is missing: restore it with `git checkout -- %s`", idxPath, binPath, binPath)
	}
	if errors.Is(err, boundedfile.ErrTooLarge) {
		return nil, fmt.Errorf("%w, the size its index gives: the file is replaced; restore it with `git checkout -- %s`", err, binPath)
	}
	if err == nil && len(bin) != idx.Bytes {
		return nil, fmt.Errorf("%s has %d bytes, not the %d its index says: the file is truncated or replaced; restore it with `git checkout -- %s`",
			binPath, len(bin), idx.Bytes, binPath)
	}
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(bin); hex.EncodeToString(sum[:]) != idx.SHA256 {
		return nil, fmt.Errorf("%s is corrupt: its SHA-256 is %x, its index says %s; restore it with `git checkout -- %s`",
			binPath, sum, idx.SHA256, binPath)
	}
	w.values = make(map[string][]float32, len(idx.Tensors))
	for i, t := range idx.Tensors {
		vals := make([]float32, counts[i])
		for j := range vals {
			vals[j] = math.Float32frombits(binary.LittleEndian.Uint32(bin[t.Offset+4*j:]))
		}
		w.values[t.Name] = vals
	}
	return w, nil
}

// layout checks, from the index alone, that its tensors tile Bytes bytes
// exactly, one after the other, with Params values in all, and that Bytes
// is at most MaxBytes. It returns each tensor's number of values. Every
// product is checked against the bytes left before it is formed, so no shape
// can overflow.
func (idx *Index) layout() ([]int, error) {
	if idx.Bytes <= 0 || idx.Bytes > MaxBytes || idx.Bytes%4 != 0 {
		return nil, fmt.Errorf("the index says weights.bin has %d bytes; want a multiple of 4 between 4 and %d", idx.Bytes, MaxBytes)
	}
	if len(idx.Tensors) == 0 {
		return nil, errors.New("the index lists no tensors")
	}
	counts := make([]int, len(idx.Tensors))
	seen := make(map[string]bool, len(idx.Tensors))
	next, params := 0, 0
	for i, t := range idx.Tensors {
		if seen[t.Name] {
			return nil, fmt.Errorf("tensor %s is listed twice", t.Name)
		}
		seen[t.Name] = true
		if t.Offset != next {
			return nil, fmt.Errorf("tensor %s starts at byte %d, not at byte %d where the previous one ends", t.Name, t.Offset, next)
		}
		left := (idx.Bytes - next) / 4 // values that still fit
		n := 1
		for _, d := range t.Shape {
			if d < 1 {
				return nil, fmt.Errorf("tensor %s has an impossible shape %v", t.Name, t.Shape)
			}
			if n > left/d {
				return nil, fmt.Errorf("tensor %s of shape %v does not fit in the %d bytes left after byte %d", t.Name, t.Shape, 4*left, next)
			}
			n *= d
		}
		counts[i] = n
		next += 4 * n
		params += n
	}
	if next != idx.Bytes || params != idx.Params {
		return nil, fmt.Errorf("its %d tensors hold %d values in %d bytes, the index says %d values in %d bytes",
			len(idx.Tensors), params, next, idx.Params, idx.Bytes)
	}
	return counts, nil
}

// Store returns a new model store holding the weights, checked against the
// net build on backend: the net must use every weight, each with the shape
// it was saved with, and need no other. Otherwise the error names the first
// variable that doesn't fit.
func (w *Weights) Store(backend compute.Backend, build models.Fn) (store *model.Store, err error) {
	store = model.NewStore()
	for _, t := range w.Index.Tensors {
		tensor := tensors.FromFlatDataAndDimensions(slices.Clone(w.values[t.Name]), t.Shape...)
		if _, err := store.CreateVariable(t.Name, tensor); err != nil {
			return nil, fmt.Errorf("weights of %s: variable %s: %w", w.Index.Model, t.Name, err)
		}
	}
	// Build and run the net for one image on the store: a saved weight of
	// another shape makes the layer that asks for it panic; a weight the
	// file lacks is created, and one the net doesn't ask for is not used.
	used := map[string]bool{}
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("the weights of %s don't fit this net: %v", w.Index.Model, r)
			}
		}()
		exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
			out := build(scope, x)
			for v := range scope.IterVariables() {
				if v.InUseByGraph(x.Graph()) {
					used[v.Path()] = true
				}
			}
			return out
		})
		if err != nil {
			return err
		}
		defer exec.Finalize()
		if _, err = exec.Exec(tensors.FromShape(shapes.Make(dtypes.Float32, 1, 1, 28, 28))); err != nil {
			return fmt.Errorf("the weights of %s don't fit this net: %w", w.Index.Model, err)
		}
		return nil
	}()
	saved := func(path string) bool {
		return slices.ContainsFunc(w.Index.Tensors, func(t Tensor) bool { return t.Name == path })
	}
	for v := range store.IterVariables() {
		if v.Trainable && !saved(v.Path()) {
			return nil, fmt.Errorf("the weights of %s lack %s %v, which this net needs: they were saved from a different net",
				w.Index.Model, v.Path(), v.Shape().Dimensions)
		}
	}
	if err != nil {
		return nil, err
	}
	for _, t := range w.Index.Tensors {
		if !used[t.Name] {
			return nil, fmt.Errorf("the weights of %s hold %s, which this net doesn't use: they were saved from a different net", w.Index.Model, t.Name)
		}
	}
	return store, nil
}
