// Package optim provides the optimiser of the lesson's recipe, PyTorch's
// torch.optim.SGD with momentum, as a GoMLX optimizer.Interface.
//
// GoMLX's own StochasticGradientDescent has no momentum and, by default,
// decays the learning rate as lr/sqrt(step); this one does neither.
package optim

import (
	"fmt"
	"math"
	"path"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/support/exceptions"
)

// ScopeName is the scope, under the store's root, of the velocity variables.
const ScopeName = "sgd_momentum"

// SGD is stochastic gradient descent with momentum, exactly as PyTorch's
// torch.optim.SGD(lr=LearningRate, momentum=Momentum) with no dampening, no
// Nesterov term and no weight decay. For each trainable parameter p with
// gradient g and velocity v (zero at the start):
//
//	v ← Momentum·v + g
//	p ← p − LearningRate·v
type SGD struct {
	LearningRate float64
	Momentum     float64
}

// NewSGD returns the optimiser, or an error when the learning rate is not a
// positive finite number or the momentum is outside [0, 1).
func NewSGD(learningRate, momentum float64) (*SGD, error) {
	if !(learningRate > 0) || math.IsInf(learningRate, 0) {
		return nil, fmt.Errorf("learning rate must be a positive number, got %g (the lesson uses 0.01)", learningRate)
	}
	if !(momentum >= 0 && momentum < 1) {
		return nil, fmt.Errorf("momentum must be in [0, 1), got %g (the lesson uses 0.5)", momentum)
	}
	return &SGD{LearningRate: learningRate, Momentum: momentum}, nil
}

// UpdateGraph builds one update step of every trainable variable used in g.
// It implements optimizer.Interface.
func (o *SGD) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	if !loss.Shape().IsScalar() {
		exceptions.Panicf("optim.SGD needs a scalar loss, got shape %s", loss.Shape())
	}
	grads := scope.BuildTrainableVariablesGradientsGraph(loss)
	// Same order as BuildTrainableVariablesGradientsGraph; collected before
	// the velocity variables are created.
	var params []*model.Variable
	for v := range scope.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			params = append(params, v)
		}
	}
	if len(params) != len(grads) {
		exceptions.Panicf("optim.SGD: %d gradients for %d trainable variables", len(grads), len(params))
	}
	optimizer.IncrementGlobalStep(g, loss.DType())
	for i, p := range params {
		value := p.ValueGraph(g)
		grad := grads[i]
		step := grad
		if o.Momentum != 0 {
			velocityVar := Velocity(scope.Store(), p)
			velocity := Add(MulScalar(velocityVar.ValueGraph(g), o.Momentum), grad)
			velocityVar.SetValueGraph(velocity)
			step = velocity
		}
		p.SetValueGraph(Sub(value, MulScalar(step, o.LearningRate)))
	}
}

// Velocity returns (creating it, zero, if needed) the velocity variable that
// the optimiser keeps for the trainable variable p.
func Velocity(store *model.Store, p *model.Variable) *model.Variable {
	return store.Scope(path.Join("/", ScopeName, p.Scope())).
		WithInitializer(initializer.Zero).
		VariableWithShape(p.Name()+"_velocity", shapes.Make(p.DType(), p.Shape().Dimensions...)).
		SetTrainable(false)
}

// Clear deletes the velocity variables. It implements optimizer.Interface.
func (o *SGD) Clear(scope *model.Scope) error {
	return scope.Store().DeleteVariablesInScope("/" + ScopeName)
}
