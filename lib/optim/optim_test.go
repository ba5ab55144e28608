package optim_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/optim"
)

func TestNewSGDRejectsNonsense(t *testing.T) {
	tests := []struct {
		lr, momentum float64
		want         string
	}{
		{0, 0.5, "learning rate"}, {-0.1, 0.5, "learning rate"}, {math.NaN(), 0.5, "learning rate"},
		{math.Inf(1), 0.5, "learning rate"}, {0.01, 1, "momentum"}, {0.01, -0.5, "momentum"}, {0.01, math.NaN(), "momentum"},
	}
	for _, tc := range tests {
		if _, err := optim.NewSGD(tc.lr, tc.momentum); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewSGD(%v, %v) error %v, want one about %s", tc.lr, tc.momentum, err, tc.want)
		}
	}
	if _, err := optim.NewSGD(0.01, 0.5); err != nil {
		t.Errorf("the lesson's settings were refused: %v", err)
	}
}

// TestMomentumSteps runs three steps on loss = Σ w·p²/2 (gradient w·p) and
// compares with PyTorch's update rule computed here in float64:
// v ← μ·v + g, p ← p − lr·v.
func TestMomentumSteps(t *testing.T) {
	const lr, mu = 0.1, 0.5
	weights := []float64{1, 3, 0.5}
	backendtest.Each(t, func(t *testing.T, b compute.Backend) {
		for _, momentum := range []float64{mu, 0} {
			sgd, err := optim.NewSGD(lr, momentum)
			if err != nil {
				t.Fatal(err)
			}
			store := model.NewStore()
			p0 := []float32{1, -2, 4}
			if _, err := store.CreateVariable("/p", tensors.FromFlatDataAndDimensions(p0, 3)); err != nil {
				t.Fatal(err)
			}
			exec, err := model.NewExec(b, store, func(scope *model.Scope, w *Node) *Node {
				p := store.GetVariable("/p").ValueGraph(w.Graph())
				loss := ReduceAllSum(Mul(w, Square(p)))
				loss = DivScalar(loss, 2)
				sgd.UpdateGraph(scope, w.Graph(), loss)
				return loss
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []float64{float64(p0[0]), float64(p0[1]), float64(p0[2])}
			velocity := make([]float64, 3)
			for step := 1; step <= 3; step++ {
				if _, err := exec.Exec(tensors.FromFlatDataAndDimensions([]float32{1, 3, 0.5}, 3)); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					velocity[i] = momentum*velocity[i] + weights[i]*want[i]
					want[i] -= lr * velocity[i]
				}
				got := tensors.MustCopyFlatData[float32](store.GetVariable("/p").MustValue())
				for i := range want {
					if math.Abs(float64(got[i])-want[i]) > 1e-6 {
						t.Fatalf("momentum %v, step %d: p = %v, want %v", momentum, step, got, want)
					}
				}
			}
			v := store.GetVariable("/" + optim.ScopeName + "/p_velocity")
			if momentum != 0 && (v == nil || v.Trainable) {
				t.Errorf("the velocity must be a non-trainable variable, got %v", v)
			}
		}
	})
}
