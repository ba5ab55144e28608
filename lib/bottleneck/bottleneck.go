// Package bottleneck puts numbers on the lesson's opening claim: a 1x1
// convolution in front of a large kernel cuts its cost about ten-fold.
//
// The worked example is a 5x5 convolution from 192 to 32 channels on a 28x28
// map ("same" padding, stride 1). Done directly it costs 5·5·28·28·192·32 =
// 120,422,400 multiplications per example. With a 1x1 convolution that first
// mixes the 192 channels down to 16 (28·28·192·16 = 2,408,448) and the 5x5
// convolution then working on 16 channels only (5·5·28·28·16·32 = 10,035,200),
// the same output costs 12,443,648 multiplications: 9.68 times fewer.
//
// The package builds both paths (and the bottleneck at any width) with the
// same layer the lesson's models use, nn.Conv2D, so they run through the same
// code: XLA's native convolution on the XLA backends, an im2col matrix product
// on GoMLX's pure-Go backend. It then
//
//   - counts their parameters and multiplications with package cost
//     (Path.Mults, Path.Params, Path.CostTable), and checks those formulas
//     against the cost table the layers record while the graph is built;
//   - times them on a backend, forward or forward+backward, compiling once and
//     reporting compile time apart from the best and median of several runs
//     (Measure, and Runner for finer control, which the benchmarks use);
//   - sweeps the bottleneck width for a chart of multiplications and measured
//     time against width (Sweep, WriteSweep).
//
// The measured speed-up is smaller than the multiplication ratio, because
// multiplications are not all a convolution costs. The 1x1 convolution does
// only 16 multiplications per input value it reads, so it is limited by memory
// traffic over the large 192-channel input rather than by arithmetic; on the
// XLA CPU backend, the channels-first (NCHW) tensors the lesson uses are also
// transposed to channels-last and back around each convolution kernel, extra
// passes over that same large tensor, which both paths pay but which weigh far
// more on the cheap one; and a 5x5 convolution over 16 channels keeps the
// vector units a little less busy than one over 192. The fixed cost of a call
// (tens of microseconds) matters little even at batch 1.
package bottleneck

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/nn"
	"github.com/learn-gomlx/advanced-cnn/lib/stats"
)

// The lesson's worked example: a 5x5 convolution from InChannels to
// OutChannels on a Size×Size map, "same" padded.
const (
	InChannels  = 192
	OutChannels = 32
	Size        = 28
	Kernel      = 5
	// Pad is the "same" padding of the 5x5 convolution.
	Pad = Kernel / 2
	// LessonWidth is the bottleneck width of the lesson's example.
	LessonWidth = 16
	// Seed seeds the variables' initialisation and the input values.
	Seed = 1
)

// DefaultWidths returns the bottleneck widths Sweep uses when given none.
func DefaultWidths() []int { return []int{4, 8, 16, 32, 64, 128, 192} }

// Path is one way of computing the 32-channel 5x5 output from the 192-channel input.
type Path struct {
	// Width is the number of channels of the 1x1 bottleneck; 0 is the plain
	// 5x5 convolution without a bottleneck.
	Width int
}

// Plain is the 5x5 convolution from 192 to 32 channels, without a bottleneck.
var Plain = Path{}

// Lesson is the lesson's bottleneck path: 1x1 from 192 to 16 channels, then 5x5 from 16 to 32.
var Lesson = Path{Width: LessonWidth}

// WithWidth is the path with a 1x1 bottleneck of the given width (0: Plain).
func WithWidth(width int) Path { return Path{Width: width} }

// Name is "plain5x5" or "bottleneck<width>", e.g. "bottleneck16".
func (p Path) Name() string {
	if p.Width == 0 {
		return "plain5x5"
	}
	return fmt.Sprintf("bottleneck%d", p.Width)
}

// String is the path's Name.
func (p Path) String() string { return p.Name() }

// Validate says whether the path can be built: the width is 0 (plain) or
// between 1 and InChannels (a bottleneck wider than its input is no bottleneck).
func (p Path) Validate() error {
	if p.Width < 0 || p.Width > InChannels {
		return fmt.Errorf("bottleneck width %d: want 0 (plain 5x5) or 1 to %d channels", p.Width, InChannels)
	}
	return nil
}

// CostTable is the path's per-layer cost from the formulas of package cost,
// per example, with the layer names, kinds and output shapes Build records.
func (p Path) CostTable() *cost.Table {
	t := &cost.Table{}
	inC := InChannels
	if p.Width > 0 {
		t.Layers = append(t.Layers, cost.Layer{
			Name: "/reduce1x1", Kind: "conv 1x1", OutShape: []int{p.Width, Size, Size},
			Params: cost.ConvParams(InChannels, p.Width, 1),
			Mults:  cost.ConvMults(InChannels, p.Width, 1, Size, Size),
		})
		inC = p.Width
	}
	out := cost.ConvOutSize(Size, Kernel, 1, Pad)
	t.Layers = append(t.Layers, cost.Layer{
		Name: "/conv5x5", Kind: fmt.Sprintf("conv %dx%d", Kernel, Kernel), OutShape: []int{OutChannels, out, out},
		Params: cost.ConvParams(inC, OutChannels, Kernel),
		Mults:  cost.ConvMults(inC, OutChannels, Kernel, out, out),
	})
	return t
}

// Mults is the number of multiplications of the path's forward pass for one example.
func (p Path) Mults() int64 { return p.CostTable().TotalMults() }

// Params is the number of trainable parameters (weights and biases) of the path.
func (p Path) Params() int64 { return p.CostTable().TotalParams() }

// TheoreticalSpeedUp is the ratio of the plain path's multiplications to this
// path's: 9.68 for the lesson's 16-channel bottleneck.
func (p Path) TheoreticalSpeedUp() float64 {
	return float64(Plain.Mults()) / float64(p.Mults())
}

// TrainingMults is the number of multiplications of one forward+backward pass
// for one example, counted as three times the forward: each convolution's
// backward pass computes the gradient with respect to its input and to its
// weights, each as many multiplications as the forward. (The first layer's
// input gradient is counted too: Runner asks for it.)
func (p Path) TrainingMults() int64 { return 3 * p.Mults() }

// Build adds the path to the graph of x [batch, 28, 28, 192] (channels-last,
// as package nn's layers compute) and returns its output [batch, 28, 28, 32]. The layers are nn.Conv2D in scope "reduce1x1"
// (the bottleneck, if any) and "conv5x5". No activation between them: the
// lesson's Inception branches have none. It panics, as GoMLX layers do, on a
// wrong input shape or an invalid path.
func (p Path) Build(scope *model.Scope, x *graph.Node) *graph.Node {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	x.AssertDims(x.Shape().Dim(0), Size, Size, InChannels)
	if p.Width > 0 {
		x = nn.Conv2D(scope.In("reduce1x1"), x, p.Width, 1, 0)
	}
	return nn.Conv2D(scope.In("conv5x5"), x, OutChannels, Kernel, Pad)
}

// Options controls how Measure and Sweep time a path.
type Options struct {
	// Warmup is the number of untimed runs after the first one (which is
	// always untimed: it initialises the variables; see Measurement.FirstRun).
	Warmup int
	// Runs is the number of timed runs; Best and Median are taken over them.
	Runs int
	// MaxTime, if positive, stops the timed runs once they have taken this
	// long in total (after at least one), for slow backends.
	MaxTime time.Duration
}

// The zero Options stands for 1 warm-up run, then the best and median of 5 timed runs.
const defaultWarmup, defaultRuns = 1, 5

func (o Options) normalize() (Options, error) {
	if o.Runs == 0 && o.Warmup == 0 && o.MaxTime == 0 {
		return Options{Warmup: defaultWarmup, Runs: defaultRuns}, nil
	}
	if o.Runs < 1 {
		return o, fmt.Errorf("options: %d timed runs, want at least 1", o.Runs)
	}
	if o.Warmup < 0 {
		return o, fmt.Errorf("options: %d warm-up runs, want 0 or more", o.Warmup)
	}
	if o.MaxTime < 0 {
		return o, fmt.Errorf("options: negative MaxTime %s", o.MaxTime)
	}
	return o, nil
}

// Mode is "forward" or "forward+backward", as in the benchmark names.
func Mode(backward bool) string {
	if backward {
		return "forward+backward"
	}
	return "forward"
}

// Runner holds one path compiled for one batch size on one backend, with its
// input already on the device, ready to be run and timed repeatedly.
//
// Forward, a run computes the path's output and its sum; forward+backward, it
// also computes the gradients of the loss ½·Σ output² with respect to the
// input and to every weight and bias (the upstream gradient is then the
// output itself, a real tensor, as in training, rather than a constant that a
// compiler could fold). The full output (forward) or the gradients
// (backward) are outputs of the computation, so no backend can skip them, but
// they stay on the device: a run only reads back one scalar, which also
// waits for the computation to finish, so a run's time is real.
type Runner struct {
	path     Path
	batch    int
	backward bool
	backend  compute.Backend
	store    *model.Store
	exec     *model.Exec
	input    *tensors.Tensor
	table    *cost.Table
	compile  time.Duration
	firstRun time.Duration
	last     float64
}

// NewRunner builds and compiles the path on backend for the batch size, puts
// a fixed pseudo-random input on the device and runs it once, initialising
// the variables (uniform, as PyTorch, from Seed). Compile and FirstRun report
// how long that took. It returns errors, never panics.
func NewRunner(backend compute.Backend, path Path, batch int, backward bool) (r *Runner, err error) {
	if backend == nil {
		return nil, errors.New("bottleneck: nil backend")
	}
	if err := path.Validate(); err != nil {
		return nil, err
	}
	if batch < 1 {
		return nil, fmt.Errorf("bottleneck: batch %d, want at least 1", batch)
	}
	r = &Runner{path: path, batch: batch, backward: backward, backend: backend}
	built := r // r itself is nil once an error is returned
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bottleneck %s batch %d %s on %s: %v", path, batch, Mode(backward), backend.Name(), p)
		}
		if err != nil {
			built.Close()
			r = nil
		}
	}()

	r.store = model.NewStore()
	if err := r.store.SetRNGStateFromSeed(Seed); err != nil {
		return nil, err
	}
	r.exec, err = model.NewExec(backend, r.store, r.graph)
	if err != nil {
		return nil, err
	}
	inputShape := shapes.Make(nn.DType, batch, Size, Size, InChannels)

	start := time.Now()
	if _, err := r.exec.Compile(inputShape); err != nil {
		return nil, fmt.Errorf("bottleneck %s: compiling: %w", path, err)
	}
	r.compile = time.Since(start)

	r.input = tensors.FromShape(inputShape)
	rng := rand.New(rand.NewPCG(Seed, uint64(batch)))
	tensors.MustMutableFlatData(r.input, func(flat []float32) {
		for i := range flat {
			flat[i] = 2*rng.Float32() - 1
		}
	})
	if err := r.input.ToDevice(backend, 0); err != nil {
		return nil, err
	}

	start = time.Now()
	if err := r.run(); err != nil {
		return nil, err
	}
	r.firstRun = time.Since(start)
	return r, nil
}

// graph is the model function: x [batch, 28, 28, 192] to the scalar checked
// after each run, followed by the tensors that must be computed but stay on
// the device.
func (r *Runner) graph(scope *model.Scope, x *graph.Node) []*graph.Node {
	r.table = cost.Attach(x.Graph())
	y := r.path.Build(scope, x)
	if !r.backward {
		return []*graph.Node{graph.ReduceAllSum(y), y}
	}
	loss := graph.MulScalar(graph.ReduceAllSum(graph.Square(y)), 0.5)
	wrt := []*graph.Node{x}
	for v := range r.store.IterVariables() {
		if v.Trainable {
			wrt = append(wrt, v.ValueGraph(x.Graph()))
		}
	}
	return append([]*graph.Node{loss}, graph.Gradient(loss, wrt...)...)
}

// run executes the computation once and waits for it by reading back its scalar.
func (r *Runner) run() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bottleneck %s batch %d %s: %v", r.path, r.batch, Mode(r.backward), p)
		}
	}()
	outs, err := r.exec.Exec(r.input)
	if err != nil {
		return err
	}
	defer func() {
		for _, o := range outs {
			o.FinalizeAll()
		}
	}()
	v := float64(tensors.ToScalar[float32](outs[0]))
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("bottleneck %s: result is %v", r.path, v)
	}
	r.last = v
	return nil
}

// Run runs the compiled path once and returns how long it took, from the call
// until its scalar result is back on the host.
func (r *Runner) Run() (time.Duration, error) {
	if r == nil || r.exec == nil {
		return 0, errors.New("bottleneck: Run on a closed or failed Runner")
	}
	start := time.Now()
	err := r.run()
	return time.Since(start), err
}

// Compile is how long building and compiling the graph took.
func (r *Runner) Compile() time.Duration { return r.compile }

// FirstRun is how long the first run took, which also initialised the variables.
func (r *Runner) FirstRun() time.Duration { return r.firstRun }

// Table is the cost table the layers recorded while the graph was built.
func (r *Runner) Table() *cost.Table { return r.table }

// Result is the scalar the last run returned: Σ output forward, ½·Σ output²
// forward+backward. Runs of the same Runner return the same value.
func (r *Runner) Result() float64 { return r.last }

// Close releases the input and the variables on the device. The Runner can't be used after.
func (r *Runner) Close() {
	if r == nil {
		return
	}
	if r.input != nil {
		r.input.FinalizeAll()
		r.input = nil
	}
	if r.exec != nil {
		r.exec.Finalize()
		r.exec = nil
	}
	if r.store != nil {
		r.store.Finalize()
		r.store = nil
	}
}

// Measurement is the timing of one path, batch size and mode on one backend.
type Measurement struct {
	Path     Path
	Batch    int
	Backward bool
	// Backend is the backend's name ("xla", "go"); Device its description.
	Backend, Device string

	// Compile is the time to build and compile the graph; FirstRun the first
	// run after it, which also initialises the variables. Neither is in Best or Median.
	Compile, FirstRun time.Duration
	// Times are the timed runs, in order; Best is their minimum, Median their median.
	Times        []time.Duration
	Best, Median time.Duration

	// Mults is the multiplications of one run for the whole batch: the path's
	// forward count times Batch, three times that with the backward pass.
	Mults int64
	// Params is the path's trainable parameters.
	Params int64
	// Table is the cost table recorded while the graph was built (per example).
	Table *cost.Table
}

// MultsPerSecond is the multiplication rate of the best run.
func (m Measurement) MultsPerSecond() float64 {
	if m.Best <= 0 {
		return 0
	}
	return float64(m.Mults) / m.Best.Seconds()
}

// PerExample is the best run's time divided by the batch size.
func (m Measurement) PerExample() time.Duration {
	if m.Batch < 1 {
		return 0
	}
	return m.Best / time.Duration(m.Batch)
}

// String is a one-line summary.
func (m Measurement) String() string {
	return fmt.Sprintf("%s %s batch %d %s: best %s, median %s of %d runs (%.1f Gmults/s); compile %s, first run %s",
		m.Backend, m.Path, m.Batch, Mode(m.Backward), m.Best, m.Median, len(m.Times),
		m.MultsPerSecond()/1e9, m.Compile.Round(time.Millisecond), m.FirstRun.Round(time.Millisecond))
}

// SpeedUp is how many times faster b's best run is than a's: a.Best / b.Best.
func SpeedUp(a, b Measurement) float64 {
	if b.Best <= 0 {
		return 0
	}
	return float64(a.Best) / float64(b.Best)
}

// Measure times path on backend for batch examples, forward only or
// forward+backward: it compiles once (Compile, FirstRun), runs opts.Warmup
// untimed runs, then opts.Runs timed ones, and reports their best and median.
// The zero Options means 1 warm-up run and 5 timed ones. It returns errors, never panics.
func Measure(backend compute.Backend, path Path, batch int, backward bool, opts Options) (Measurement, error) {
	opts, err := opts.normalize()
	if err != nil {
		return Measurement{}, err
	}
	r, err := NewRunner(backend, path, batch, backward)
	if err != nil {
		return Measurement{}, err
	}
	defer r.Close()
	return measure(r, opts)
}

func measure(r *Runner, opts Options) (Measurement, error) {
	m := Measurement{
		Path: r.path, Batch: r.batch, Backward: r.backward,
		Backend: r.backend.Name(), Device: r.backend.Description(),
		Compile: r.compile, FirstRun: r.firstRun,
		Mults: r.path.Mults() * int64(r.batch), Params: r.path.Params(), Table: r.table,
	}
	if r.backward {
		m.Mults = r.path.TrainingMults() * int64(r.batch)
	}
	for range opts.Warmup {
		if _, err := r.Run(); err != nil {
			return m, err
		}
	}
	var total time.Duration
	for i := range opts.Runs {
		d, err := r.Run()
		if err != nil {
			return m, err
		}
		m.Times = append(m.Times, d)
		total += d
		if opts.MaxTime > 0 && total >= opts.MaxTime && i+1 < opts.Runs {
			break
		}
	}
	m.Best, m.Median = slices.Min(m.Times), stats.Median(m.Times)
	return m, nil
}
