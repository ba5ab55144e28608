package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Compare checks that mine computes the same net as ref: the same layers
// (names, kinds, output shapes, parameters and multiplications, in order),
// the same variables, and, with ref's weights copied into mine by name, the
// same logits for the same images. It returns nil when they agree, or an
// error saying where they first differ. A notebook uses it to stop when its
// own copy of a net is not the library's.
func Compare(backend compute.Backend, mine, ref Fn) error {
	if mine == nil || ref == nil {
		return fmt.Errorf("compare: a model function is nil")
	}
	sm, err := Summarize(mine)
	if err != nil {
		return fmt.Errorf("your net does not build: %w", err)
	}
	sr, err := Summarize(ref)
	if err != nil {
		return fmt.Errorf("the library's net does not build: %w", err)
	}
	for i := range max(len(sm.Table.Layers), len(sr.Table.Layers)) {
		if i >= len(sm.Table.Layers) {
			return fmt.Errorf("your net stops after %d layers; the library's goes on with %s", i, sr.Table.Layers[i].Name)
		}
		if i >= len(sr.Table.Layers) {
			return fmt.Errorf("your net has a layer more than the library's: %s", sm.Table.Layers[i].Name)
		}
		a, b := sm.Table.Layers[i], sr.Table.Layers[i]
		if a.Name != b.Name || a.Kind != b.Kind || !slices.Equal(a.OutShape, b.OutShape) || a.Params != b.Params || a.Mults != b.Mults {
			return fmt.Errorf("layer %d differs: yours is %s (%s, output %v, %d parameters, %d multiplications), the library's %s (%s, output %v, %d parameters, %d multiplications)",
				i+1, a.Name, a.Kind, a.OutShape, a.Params, a.Mults, b.Name, b.Kind, b.OutShape, b.Params, b.Mults)
		}
	}

	const batch = 4
	rng := rand.New(rand.NewPCG(7, 11))
	images := make([]float32, batch*28*28)
	for i := range images {
		images[i] = float32(rng.NormFloat64())
	}
	x := tensors.FromFlatDataAndDimensions(images, batch, 1, 28, 28)
	refStore, refOut, err := Forward(backend, ref, x, nil)
	if err != nil {
		return fmt.Errorf("the library's net: %w", err)
	}
	_, myOut, err := Forward(backend, mine, x, sameWeights(refStore))
	if err != nil {
		return err
	}
	a, b := tensors.MustCopyFlatData[float32](myOut), tensors.MustCopyFlatData[float32](refOut)
	for i := range b {
		if d := math.Abs(float64(a[i] - b[i])); !(d <= 1e-4*max(1, math.Abs(float64(b[i])))) {
			return fmt.Errorf("same layers, but with the same weights your net's logits differ from the library's by %.3g: "+
				"something between the layers (an activation, the skip connection, the order) is not the same", d)
		}
	}
	return nil
}

// Forward builds fn on a fresh store, its random initialisation seeded
// with 1, and runs it on x. With set, it then hands set the store, which
// holds the variables that first run created, to give them their values,
// and runs fn again. It returns the store and the output of the last run; a
// panic while building or running fn is returned as an error.
func Forward(backend compute.Backend, fn Fn, x *tensors.Tensor, set func(*model.Store) error) (store *model.Store, out *tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	store = model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		return nil, nil, err
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node { return fn(scope, x) })
	if err != nil {
		return nil, nil, err
	}
	defer exec.Finalize()
	outs, err := exec.Exec(x)
	if err != nil {
		return nil, nil, err
	}
	if set != nil {
		if err := set(store); err != nil {
			return nil, nil, err
		}
		if outs, err = exec.Exec(x); err != nil {
			return nil, nil, err
		}
	}
	return store, outs[0], nil
}

// sameWeights gives a store's trainable variables the values of from's of
// the same names: a variable of either missing in the other is an error.
func sameWeights(from *model.Store) func(store *model.Store) error {
	return func(store *model.Store) error {
		theirs := map[string]*model.Variable{}
		for v := range from.IterVariables() {
			if v.Trainable {
				theirs[v.Path()] = v
			}
		}
		for v := range store.IterVariables() {
			if !v.Trainable {
				continue
			}
			t, ok := theirs[v.Path()]
			if !ok {
				return fmt.Errorf("your net has a variable %s that the library's has not", v.Path())
			}
			delete(theirs, v.Path())
			if err := v.SetValue(t.MustValue()); err != nil {
				return err
			}
		}
		for p := range theirs {
			return fmt.Errorf("your net has no variable %s, which the library's has", p)
		}
		return nil
	}
}
